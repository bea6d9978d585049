package dev.deployguard.local.router;

/**
 * The host router's supervisor: one POSIX shell that keeps two router JVMs running, both its own children. There is
 * no shell per JVM (the "slot loops" before), so no process sits between the supervisor and a JVM whose death would
 * orphan that JVM or end the router: the supervisor is the router's only single point, and the control plane records
 * and restarts it. Of the two JVMs the one holding the state directory's lock serves and the other is its warm
 * standby ({@link RouterStandby}); a JVM that dies is started again, so after a takeover the dead JVM's place gets the
 * next standby. Its arguments are the router JVM's command.
 *
 * <p>Per JVM: a JVM that ends of a clean stop (0), bad input (2) or
 * a taken address (3), which a restart would not cure, ends the supervisor with its code (the other JVM is stopped
 * first); any other death starts it again, at once the first time, then, for a JVM that died within 10 s of its
 * start, after 1, 2, 3, 4, then 5 s. That wait runs in a small shell that then becomes the JVM ({@code exec}), so the
 * supervisor handles the other JVM meanwhile.
 *
 * <p>It waits with {@code wait}, which a trapped SIGCHLD interrupts: a death is handled as an event, no polling. A
 * SIGCHLD that lands while it checks its children sets {@code got}, and it checks again before it waits. (The one
 * window left is a SIGCHLD between that test and {@code wait}'s start, a few instructions of the shell: a JVM that
 * dies exactly then is seen at the next death of the other.) A SIGTERM stops both JVMs, the serving one after its
 * requests in flight, and ends it. The JVMs find the supervisor by {@value RouterLauncher#SUPERVISOR_ENV} and exit
 * when it is gone, so a SIGKILL of it takes everything down and nothing holds the router's addresses.
 *
 * <p>The script is on the supervisor's command line, which whoever finds the router by its arguments reads
 * ({@code HostRouterProcess}): kept short, without comments.
 */
final class HostSupervisor {
    static final String SCRIPT = """
            trap 'trap - TERM INT CHLD; kill -TERM "$a" "$b" 2>/dev/null; wait; exit 0' TERM INT
            %1$s=$$
            export %1$s
            launch() {
            s=$1; d=$2; shift 2
            if [ "$d" -gt 0 ]; then /bin/sh -c 'sleep "$0"; exec "$@"' "$d" "$@" & else "$@" & fi
            eval "$s=\\$!; started_$s=\\$(( \\$(date +%%s) + d ))"
            }
            check() {
            s=$1; shift
            eval "p=\\$$s"
            if kill -0 "$p" 2>/dev/null; then return 0; fi
            wait "$p"
            code=$?
            case "$code" in 0|2|3)
            trap - TERM INT CHLD
            if [ "$s" = a ]; then kill -TERM "$b" 2>/dev/null; else kill -TERM "$a" 2>/dev/null; fi
            wait
            exit "$code";;
            esac
            eval "t=\\$started_$s; f=\\$fails_$s"
            if [ $(( $(date +%%s) - t )) -ge 10 ]; then f=0; fi
            f=$((f + 1))
            eval "fails_$s=$f"
            echo "router supervisor: the router exited with code $code; starting it again" >&2
            d=0
            if [ "$f" -gt 1 ]; then d=$(( f > 6 ? 5 : f - 1 )); fi
            launch "$s" "$d" "$@"
            }
            fails_a=0
            fails_b=0
            launch a 0 "$@"
            launch b 0 "$@"
            trap 'got=1' CHLD
            while :; do
            got=0
            check a "$@"
            check b "$@"
            if [ "$got" = 0 ]; then wait; fi
            done
            """.formatted(RouterLauncher.SUPERVISOR_ENV);

    private HostSupervisor() {
    }
}
