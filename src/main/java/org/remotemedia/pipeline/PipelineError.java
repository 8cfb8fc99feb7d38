package org.remotemedia.pipeline;

import java.util.List;
import org.remotemedia.dsp.Problems;
import org.remotemedia.json.Json;

/**
 * A failure as the contract's ErrorResponse carries it: type, message (what, where, allowed
 * values, what to do), failing node id (empty for manifest-level errors), and a JSON context.
 * Immutable.
 *
 * @param cause the underlying exception for INTERNAL / NODE_EXECUTION (stack traces only with debug errors on)
 */
public record PipelineError(ErrorType type, String message, String failingNodeId, String contextJson,
                            Throwable cause) {

    /** One VALIDATION error listing every problem: message names the first and the count, context all of them. */
    /** Every problem found, listed up to {@link Problems#MAX_LISTED}; the count says how many there were. */
    public static PipelineError validation(Problems found) {
        return validation(found.list(), found.omitted());
    }

    private static PipelineError validation(List<Problems.Problem> problems, int omitted) {
        int total = problems.size() + omitted;
        StringBuilder msg = new StringBuilder();
        if (total == 1) {
            msg.append("invalid request: ");
        } else {
            msg.append("invalid request (").append(total).append(" problems): ");
        }
        for (int i = 0; i < problems.size(); i++) {
            if (i > 0) {
                msg.append("; ");
            }
            Problems.Problem p = problems.get(i);
            msg.append(p.path().isEmpty() ? "/" : p.path()).append(": ").append(p.message());
        }
        if (omitted > 0) {
            msg.append("; and ").append(omitted).append(" more, not listed (the first ").append(problems.size())
                    .append(" are)");
        }
        StringBuilder ctx = new StringBuilder("{\"problems\":[");
        for (int i = 0; i < problems.size(); i++) {
            if (i > 0) {
                ctx.append(',');
            }
            Problems.Problem p = problems.get(i);
            ctx.append("{\"path\":");
            Json.string(ctx, p.path());
            ctx.append(",\"message\":");
            Json.string(ctx, p.message());
            ctx.append('}');
        }
        ctx.append(']');
        if (omitted > 0) {
            ctx.append(",\"omitted\":").append(omitted);
        }
        ctx.append('}');
        return new PipelineError(ErrorType.VALIDATION, msg.toString(), "", ctx.toString(), null);
    }

    public static PipelineError validation(String path, String message) {
        Problems p = new Problems();
        p.add(path, message);
        return validation(p);
    }

    /** A RESOURCE_LIMIT error: which limit, its value, what was observed, and what to do. */
    public static PipelineError resourceLimit(String limit, long limitValue, long observed, String unit, String hint,
                                              String nodeId) {
        String msg = limit + " exceeded: limit " + limitValue + " " + unit + ", needed " + observed + " " + unit
                + "; " + hint;
        StringBuilder ctx = new StringBuilder("{\"limit\":");
        Json.string(ctx, limit);
        ctx.append(",\"limit_value\":").append(limitValue).append(",\"observed\":").append(observed)
                .append(",\"unit\":");
        Json.string(ctx, unit);
        ctx.append(",\"hint\":");
        Json.string(ctx, hint);
        ctx.append('}');
        return new PipelineError(ErrorType.RESOURCE_LIMIT, msg, nodeId == null ? "" : nodeId, ctx.toString(), null);
    }

    public PipelineException toException() {
        return new PipelineException(this);
    }

    /** The contract's ErrorType name (ERROR_TYPE_VALIDATION, ...); CANCELLED / DEADLINE_EXCEEDED have none. */
    public String contractName() {
        return switch (type) {
            case VALIDATION, NODE_EXECUTION, RESOURCE_LIMIT, INTERNAL -> "ERROR_TYPE_" + type.name();
            case CANCELLED, DEADLINE_EXCEEDED -> type.name();
        };
    }

    /** ErrorResponse as JSON: error_type, message, failing_node_id, context (an object). */
    public StringBuilder appendJson(StringBuilder sb) {
        sb.append("{\"error_type\":");
        Json.string(sb, contractName());
        sb.append(",\"message\":");
        Json.string(sb, message);
        sb.append(",\"failing_node_id\":");
        Json.string(sb, failingNodeId == null ? "" : failingNodeId);
        sb.append(",\"context\":").append(contextJson == null || contextJson.isEmpty() ? "{}" : contextJson);
        return sb.append('}');
    }
}
