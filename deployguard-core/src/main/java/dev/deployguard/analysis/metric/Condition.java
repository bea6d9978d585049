package dev.deployguard.analysis.metric;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A metric's {@code successCondition} or {@code failureCondition}: a CEL expression over {@code result} (a number, a
 * list of numbers for a vector, or a map for a JSON object), compiled once when the spec is parsed.
 */
public final class Condition {
    // Heterogeneous comparisons so that `result > 5` holds for a double result, as Argo's expr compares numbers.
    private static final Cel CEL = cel(SimpleType.DYN);
    // For a provider known to answer one number: `result[0]` or `result.x` is then a spec error at parse time.
    private static final Cel SCALAR = cel(SimpleType.DOUBLE);

    private final String text;
    private final CelRuntime.Program program;

    private Condition(String text, CelRuntime.Program program) {
        this.text = text;
        this.program = program;
    }

    /** A condition over a result of any shape. */
    public static Condition parse(String text) {
        return parse(text, false);
    }

    /**
     * @param scalar the result is known to be one number (a router measure, a relative metric's value per track)
     * @throws IllegalArgumentException with CEL's message when the expression does not parse, cannot be a boolean,
     *                                  or treats a scalar result as a vector or an object
     */
    public static Condition parse(String text, boolean scalar) {
        Objects.requireNonNull(text, "text");
        Cel cel = scalar ? SCALAR : CEL;
        try {
            CelAbstractSyntaxTree ast = cel.compile(text).getAst();
            if (!ast.getResultType().equals(SimpleType.BOOL) && !ast.getResultType().equals(SimpleType.DYN)) {
                throw new IllegalArgumentException("'" + text + "' is a " + ast.getResultType().name()
                        + ", expected a boolean (for example result < 0.05)");
            }
            return new Condition(text, cel.createProgram(ast));
        } catch (CelValidationException e) {
            throw new IllegalArgumentException("'" + text + "' does not parse: " + firstLine(e.getMessage()), e);
        } catch (CelEvaluationException e) {
            throw new IllegalArgumentException("'" + text + "' cannot be evaluated: " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * @param result a {@link Double}, a {@link List} of doubles or a {@link Map} with string keys
     * @throws ConditionException when the expression cannot be evaluated on this result (an Error measurement)
     */
    public boolean test(Object result) {
        Object out;
        try {
            out = program.eval(Map.of("result", result));
        } catch (CelEvaluationException e) {
            throw new ConditionException("'" + text + "' on " + result + ": " + firstLine(e.getMessage()));
        }
        if (out instanceof Boolean b) {
            return b;
        }
        throw new ConditionException("'" + text + "' on " + result + ": expected a boolean, got " + out);
    }

    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }

    private static Cel cel(dev.cel.common.types.CelType result) {
        return CelFactory.standardCelBuilder()
                .setStandardMacros(dev.cel.parser.CelStandardMacro.STANDARD_MACROS)
                .setOptions(CelOptions.current().enableHeterogeneousNumericComparisons(true).build())
                .addVar("result", result)
                .build();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** The condition could not be evaluated on a measured result: Argo records such a measurement as Error. */
    public static final class ConditionException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConditionException(String message) {
            super(message);
        }
    }
}
