package dev.deployguard.server.deploy;

/**
 * What {@link RouterProcesses#stop} did for one app, so that stop, delete and down say what is true of a router
 * that serves several apps.
 *
 * @param listenerOn pid of the host router the app's listener was removed from, or null (it had none there)
 * @param hostStopped pid of the host router stopped because it then served no app, or null (it keeps serving)
 * @param ownRouter pid of a one-app router (from before the host router) that was stopped, or null
 */
public record RouterStop(Long listenerOn, Long hostStopped, Long ownRouter) {
}
