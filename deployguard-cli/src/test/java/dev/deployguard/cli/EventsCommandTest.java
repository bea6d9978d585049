package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventsCommandTest {
    @Test
    void aMultiLineMessageKeepsItsLogLinesOnTheTableRow() {
        String failed = "revision 4 (v3) failed: 1 of 1 instance(s) not ready after 5s (GET /ready on port 4100 did"
                + " not answer 2xx); last log lines of instance 0:\n    | demo v3 listening on 127.0.0.1:4100\n"
                + "    | not ready yet\n";
        assertThat(EventsCommand.oneLine(failed)).isEqualTo("revision 4 (v3) failed: 1 of 1 instance(s) not ready"
                + " after 5s (GET /ready on port 4100 did not answer 2xx); last log lines of instance 0: | demo v3"
                + " listening on 127.0.0.1:4100 | not ready yet");
        assertThat(EventsCommand.oneLine("first\nsecond")).isEqualTo("first | second");
        assertThat(EventsCommand.oneLine("one line")).isEqualTo("one line");
        assertThat(EventsCommand.oneLine("")).isEmpty();
    }
}
