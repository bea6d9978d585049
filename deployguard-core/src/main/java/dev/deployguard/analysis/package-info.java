/**
 * Analysis: judging a canary against stable from aligned windows of their traffic, with verdicts that explain
 * themselves.
 *
 * <p>The input is a {@link dev.deployguard.analysis.WindowObservation} per window (requests, errors and latencies
 * per track, the router's actual canary share, time-paired latency signs, or the metric source's error); a
 * {@link dev.deployguard.analysis.WindowRecorder} builds one from the router's per-request stream. A
 * {@link dev.deployguard.analysis.Judge} folds windows in and answers PASS, FAIL or INCONCLUSIVE with
 * {@link dev.deployguard.analysis.Evidence}. Judges are pure: no I/O, no clock, one instance per analysis.
 *
 * <p>Three judges:
 * <ul>
 *   <li>{@link dev.deployguard.analysis.ThresholdJudge}: Flagger / Argo Rollouts checks per interval (success rate,
 *       p99), failed checks counted in total (their semantics), in a row or k-of-n;</li>
 *   <li>{@link dev.deployguard.analysis.MannWhitneyJudge}: Kayenta's NetflixACAJudge (Mann-Whitney interval with a
 *       Hodges-Lehmann tolerance, direction, effect size, critical metrics, weighted score, pass/marginal);</li>
 *   <li>{@link dev.deployguard.analysis.SequentialJudge} (the default): anytime-valid e-processes.</li>
 * </ul>
 *
 * <p>Choices in the sequential judge, and why they keep the false-rollback bound:
 * <ul>
 *   <li>Errors are tested conditionally on the window's errors, so stable's own (time-varying, bursty) error rate
 *       cancels out; only the split of errors between the tracks is evidence.</li>
 *   <li>The router's share moves (weight steps, sticky sessions), so the mixture is over the log rate ratio, the one
 *       parameter common to all windows, with the window's share as a known offset; a closed-form Beta mixture at a
 *       fixed share would be wrong as soon as the share moves (a test shows it rolling back most good canaries).</li>
 *   <li>The mixing prior is fixed at the first share seen and discretised on a grid; any fixed prior gives a valid
 *       e-process, so the grid costs a little power, never validity.</li>
 *   <li>Error and latency e-processes are averaged (a mean of supermartingales in one filtration is one), and
 *       latency pairs leave out failed requests, so the two tests look at different evidence.</li>
 *   <li>Rolling back and promoting use separate bounds (tolerance and promote ratio): the indifference zone between
 *       them is what lets a good canary be promoted in minutes while regressions just beyond the tolerance are
 *       still caught. Promotion is decided by a confidence sequence at its own level.</li>
 * </ul>
 * What the bound assumes: windows independent given their request counts (Poisson arrivals split by the router);
 * errors independent Bernoulli trials within a track; latencies of paired requests exchangeable under "no
 * difference". Retries that turn one failure into many correlated errors on one track break the first assumption.
 */
package dev.deployguard.analysis;
