package dev.deployguard.rollout;

import java.util.ArrayList;
import java.util.List;

/**
 * Flagger's canary traffic progression (fluxcd/flagger pkg/controller/scheduler.go: maxWeight, nextStepWeight,
 * runCanary, runPromotionTrafficShift), in basis points so that whole percentages reproduce Flagger exactly.
 *
 * <p>Flagger adds the next step while the canary weight is below the maximum, capped only at the total: with
 * {@code stepWeight: 20, maxWeight: 50} the canary gets 20, 40, then 60 (not 50), and promotion starts once the
 * weight is at or above the maximum. With {@code stepWeights} the maximum is the last entry (at most the total)
 * and each step moves to the next entry; a weight that is not in the list jumps to the total.
 *
 * @param stepWeight the fixed step in basis points; 0 when {@code stepWeights} is used (Flagger: stepWeight wins
 *                   when both are set)
 * @param maxWeight the maximum in basis points; 0 means the total (Flagger's default)
 * @param stepWeights the explicit weights in basis points, in order; empty for a fixed step
 */
public record FlaggerProgression(int stepWeight, int maxWeight, List<Integer> stepWeights) {
    /** All traffic, in basis points. */
    public static final int TOTAL = 10_000;

    public FlaggerProgression {
        stepWeights = List.copyOf(stepWeights);
        if (stepWeight < 0 || maxWeight < 0 || maxWeight > TOTAL) {
            throw new IllegalArgumentException("need stepWeight >= 0 and 0 <= maxWeight <= " + TOTAL);
        }
        for (int w : stepWeights) {
            // Above the total is allowed, as Flagger allows it: the maximum is capped at the total.
            if (w <= 0) {
                throw new IllegalArgumentException("stepWeights must be above 0, got " + w);
            }
        }
    }

    /** Flagger's maxWeight(): the last of stepWeights capped at the total, else maxWeight, else the total. */
    public int effectiveMaxWeight() {
        if (!stepWeights.isEmpty()) {
            return Math.min(TOTAL, stepWeights.get(stepWeights.size() - 1));
        }
        return maxWeight > 0 ? maxWeight : TOTAL;
    }

    /** Flagger's nextStepWeight(canaryWeight): how much the next advance adds; 0 means the canary never moves. */
    public int nextStep(int canaryWeight) {
        if (stepWeight > 0 || stepWeights.isEmpty()) {
            return stepWeight;
        }
        int maxStep = TOTAL - canaryWeight;
        if (maxStep == 0) {
            // At the total already: any positive step lets the scheduler reach promotion.
            return 1;
        }
        if (canaryWeight == 0) {
            return Math.min(maxStep, stepWeights.get(0));
        }
        for (int i = 0; i < stepWeights.size() - 1; i++) {
            if (stepWeights.get(i) == canaryWeight) {
                return Math.min(maxStep, stepWeights.get(i + 1) - canaryWeight);
            }
        }
        return maxStep;
    }

    /**
     * The canary weights Flagger sets, one per successful check, until the weight reaches the maximum (after
     * which the next successful check promotes). Empty when the step is 0 (Flagger never advances; the spec
     * parser refuses it). A non-increasing {@code stepWeights} list is followed as Flagger follows it.
     */
    public List<Integer> canaryWeights() {
        List<Integer> weights = new ArrayList<>();
        int max = effectiveMaxWeight();
        int canary = 0;
        // Each advance moves by at least one basis point or stops: the loop is bounded by TOTAL advances.
        while (canary < max && weights.size() <= TOTAL) {
            int step = nextStep(canary);
            if (step <= 0) {
                return List.of();
            }
            canary = Math.min(TOTAL, canary + step);
            weights.add(canary);
        }
        return List.copyOf(weights);
    }

    /**
     * Flagger's stepWeightPromotion: after the promotion the primary (now running the new release) takes
     * {@code promotionStep} more each interval, capped at the total, and the canary the same less, floored at 0.
     * Returns the primary weights in order, the last being the total; with {@code promotionStep} 0 one switch.
     */
    public static List<Integer> promotionPrimaryWeights(int canaryWeight, int promotionStep) {
        if (canaryWeight < 0 || canaryWeight > TOTAL || promotionStep < 0) {
            throw new IllegalArgumentException("need 0 <= canaryWeight <= " + TOTAL + " and promotionStep >= 0");
        }
        if (promotionStep == 0) {
            return List.of(TOTAL);
        }
        List<Integer> primary = new ArrayList<>();
        int p = TOTAL - canaryWeight;
        if (canaryWeight == 0) {
            // Flagger only shifts while the canary holds traffic; at 0 it finalises at once.
            return List.of(TOTAL);
        }
        while (p < TOTAL) {
            p = Math.min(TOTAL, p + promotionStep);
            primary.add(p);
        }
        return List.copyOf(primary);
    }
}
