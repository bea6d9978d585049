package dev.deployguard.analysis.sim;

import java.util.SplittableRandom;
import org.apache.commons.math3.special.Gamma;

/**
 * Exact random variates the simulator needs per window (not per request), from one seeded
 * {@link SplittableRandom}: Poisson (inversion below mean 10, Hörmann's PTRS above), binomial (inversion for small
 * means, Knuth's beta-splitting recursion above), gamma (Marsaglia-Tsang) and beta.
 */
public final class Draws {
    private final SplittableRandom random;

    public Draws(long seed) {
        this.random = new SplittableRandom(seed);
    }

    public double uniform() {
        return random.nextDouble();
    }

    public double gaussian() {
        return random.nextGaussian();
    }

    public double exponential(double mean) {
        return -mean * Math.log1p(-random.nextDouble());
    }

    public long poisson(double mean) {
        if (!(mean >= 0) || Double.isInfinite(mean)) {
            throw new IllegalArgumentException("Poisson mean must be finite and not negative, was " + mean);
        }
        if (mean == 0) {
            return 0;
        }
        return mean < 10 ? poissonInversion(mean) : poissonPtrs(mean);
    }

    private long poissonInversion(double mean) {
        double u = random.nextDouble();
        double p = Math.exp(-mean);
        double cumulative = p;
        long k = 0;
        while (u > cumulative && k < 1000) {
            k++;
            p *= mean / k;
            cumulative += p;
        }
        return k;
    }

    /** Hörmann (1993), "The transformed rejection method for generating Poisson random variables". */
    private long poissonPtrs(double mean) {
        double slam = Math.sqrt(mean);
        double loglam = Math.log(mean);
        double b = 0.931 + 2.53 * slam;
        double a = -0.059 + 0.02483 * b;
        double invalpha = 1.1239 + 1.1328 / (b - 3.4);
        double vr = 0.9277 - 3.6224 / (b - 2);
        while (true) {
            double u = random.nextDouble() - 0.5;
            double v = random.nextDouble();
            double us = 0.5 - Math.abs(u);
            long k = (long) Math.floor((2 * a / us + b) * u + mean + 0.43);
            if (us >= 0.07 && v <= vr) {
                return k;
            }
            if (k < 0 || (us < 0.013 && v > us)) {
                continue;
            }
            if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b)
                    <= -mean + k * loglam - Gamma.logGamma(k + 1.0)) {
                return k;
            }
        }
    }

    public long binomial(long n, double p) {
        if (n < 0 || !(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("need n >= 0 and p within [0, 1]");
        }
        if (n == 0 || p == 0) {
            return 0;
        }
        if (p == 1) {
            return n;
        }
        if (p > 0.5) {
            return n - binomial(n, 1 - p);
        }
        long successes = 0;
        // Knuth, TAOCP vol. 2, 3.4.1: the a-th smallest of n uniforms is Beta(a, n+1-a); split on it until the
        // remaining mean is small enough for inversion.
        while (n * p > 30) {
            long a = 1 + n / 2;
            long b = n + 1 - a;
            double x = beta(a, b);
            if (x >= p) {
                n = a - 1;
                p = p / x;
            } else {
                successes += a;
                n = b - 1;
                p = (p - x) / (1 - x);
            }
        }
        return successes + binomialInversion(n, p);
    }

    private long binomialInversion(long n, double p) {
        if (n == 0 || p <= 0) {
            return 0;
        }
        if (p > 0.5) {
            return n - binomialInversion(n, 1 - p);
        }
        double q = 1 - p;
        double ratio = p / q;
        double u = random.nextDouble();
        double prob = Math.exp(n * Math.log1p(-p));
        double cumulative = prob;
        long k = 0;
        while (u > cumulative && k < n) {
            prob *= ratio * (n - k) / (k + 1);
            k++;
            cumulative += prob;
            if (prob == 0 && cumulative < u) {
                break; // rounding left u above the total mass: k is as far as the mass goes
            }
        }
        return k;
    }

    /** Gamma(shape, 1), Marsaglia and Tsang (2000). */
    public double gamma(double shape) {
        if (!(shape > 0)) {
            throw new IllegalArgumentException("shape must be positive");
        }
        if (shape < 1) {
            return gamma(shape + 1) * Math.pow(random.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = random.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    public double beta(double a, double b) {
        double x = gamma(a);
        double y = gamma(b);
        return x / (x + y);
    }

    /** A multinomial draw of n over the given probabilities (summing to 1), by conditional binomials. */
    public long[] multinomial(long n, double[] probabilities) {
        long[] counts = new long[probabilities.length];
        double remainingMass = 1;
        long remaining = n;
        for (int i = 0; i < probabilities.length - 1 && remaining > 0; i++) {
            double p = remainingMass <= 0 ? 0 : Math.min(1, Math.max(0, probabilities[i] / remainingMass));
            counts[i] = binomial(remaining, p);
            remaining -= counts[i];
            remainingMass -= probabilities[i];
        }
        counts[probabilities.length - 1] += remaining;
        return counts;
    }
}
