package dev.deployguard.gitops.git;

import dev.deployguard.gitops.GitRestoreException;
import dev.deployguard.spec.GitOpsSpec;
import java.io.IOException;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import org.eclipse.jgit.errors.NotSupportedException;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;

/**
 * Fetch and push of one repository over any of JGit's transports, with the spec's credentials and a timeout. Every
 * failure becomes a {@link GitRestoreException} whose message names the repository and has no secret in it.
 */
final class GitRemote {
    private final Repository local;
    private final GitOpsSpec.Git git;
    private final GitCredentials credentials;
    private final Duration timeout;
    private final SshSessions ssh;

    GitRemote(Repository local, GitOpsSpec.Git git, GitCredentials credentials, Duration timeout, SshSessions ssh) {
        this.local = local;
        this.git = git;
        this.credentials = credentials;
        this.timeout = timeout;
        this.ssh = ssh;
    }

    /** Fetches {@code remoteRef} into the local repository; returns its commit, or null when the remote lacks it. */
    ObjectId fetch(String remoteRef) {
        String localRef = "refs/fetched/" + remoteRef.substring("refs/".length());
        try (Transport t = open()) {
            FetchResult r = t.fetch(NullProgressMonitor.INSTANCE, List.of(new RefSpec("+" + remoteRef + ":"
                    + localRef)));
            Ref advertised = r.getAdvertisedRef(remoteRef);
            return advertised == null ? null : advertised.getObjectId();
        } catch (TransportException e) {
            if (e.getMessage() != null && e.getMessage().contains("Remote does not have " + remoteRef)) {
                return null;
            }
            throw unavailable("fetch " + remoteRef.substring("refs/heads/".length()) + " from", e);
        } catch (NotSupportedException e) {
            throw GitRestoreException.impossible("git cannot talk to " + git.url() + ": "
                    + credentials.redact(e.getMessage()));
        }
    }

    /**
     * Pushes {@code commit} to {@code remoteRef}, only if the remote's ref is still {@code expectedOld}
     * ({@link ObjectId#zeroId()}: it must not exist yet), never forced.
     */
    RemoteRefUpdate.Status push(ObjectId commit, String remoteRef, ObjectId expectedOld, StringBuilder why) {
        try (Transport t = open()) {
            RemoteRefUpdate update = new RemoteRefUpdate(local, null, commit, remoteRef, false, null, expectedOld);
            var result = t.push(NullProgressMonitor.INSTANCE, List.of(update));
            RemoteRefUpdate done = result.getRemoteUpdate(remoteRef);
            if (done.getMessage() != null) {
                why.append(credentials.redact(done.getMessage()));
            }
            return done.getStatus();
        } catch (TransportException e) {
            throw unavailable("push to", e);
        } catch (NotSupportedException e) {
            throw GitRestoreException.impossible("git cannot talk to " + git.url() + ": "
                    + credentials.redact(e.getMessage()));
        } catch (IOException e) {
            throw unavailable("push to", e);
        }
    }

    private Transport open() throws NotSupportedException, TransportException {
        URIish uri;
        try {
            uri = new URIish(git.url());
        } catch (URISyntaxException e) {
            throw GitRestoreException.impossible("gitops.git.url is not a repository URL git understands: "
                    + e.getReason());
        }
        Transport t = Transport.open(local, uri);
        t.setTimeout((int) Math.max(1, timeout.toSeconds()));
        t.setCredentialsProvider(credentials.provider());
        if (t instanceof SshTransport s) {
            s.setSshSessionFactory(ssh.factory());
        }
        return t;
    }

    private GitRestoreException unavailable(String what, Exception e) {
        String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !cause.contains(c.getMessage())) {
                cause = cause + ": " + c.getMessage();
                break;
            }
        }
        return GitRestoreException.unavailable("cannot " + what + " " + git.url() + ": "
                + credentials.redact(cause));
    }
}
