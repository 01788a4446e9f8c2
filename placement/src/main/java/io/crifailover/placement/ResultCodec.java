package io.crifailover.placement;

import java.util.ArrayList;
import java.util.List;

/** Deterministic binary encoding of {@link Result}s, so that correct replicas reply byte-identically. */
public final class ResultCodec {
    private static final int ACK = 1;
    private static final int SUSPECT = 2;
    private static final int DECISIONS = 3;
    private static final int NODES = 4;
    private static final int STANDBYS = 5;
    private static final int EVENTS = 6;
    /** A replica refused bytes it could not decode. */
    private static final int REJECTED = 7;
    /** Nodes with CRIU readiness and xsave facts (since issue 13); tag 4 is the older form. */
    private static final int NODES_V2 = 8;
    /** An acknowledgement with its {@link Result.Outcome}; tag 1 is the older accepted/refused form. */
    private static final int ACK_V2 = 9;
    /** One acknowledgement per entry of a batch (since issue 18). */
    private static final int ACKS = 10;

    private ResultCodec() {}

    public static byte[] encode(Result result) {
        WireOutput out = new WireOutput();
        if (result instanceof Result.Ack r) {
            out.tag(ACK_V2).tag(r.outcome().ordinal()).str(r.detail());
        } else if (result instanceof Result.Acks r) {
            out.tag(ACKS).i32(r.acks().size());
            r.acks().forEach(a -> out.tag(a.outcome().ordinal()).str(a.detail()));
        } else if (result instanceof Result.SuspectOutcome r) {
            out.tag(SUSPECT)
                    .bool(r.accepted())
                    .str(r.detail())
                    .i32(r.votes())
                    .tag(r.status().ordinal());
        } else if (result instanceof Result.Decisions r) {
            out.tag(DECISIONS).i32(r.decisions().size());
            r.decisions().forEach(d -> ModelCodec.writeDecision(out, d));
        } else if (result instanceof Result.Nodes r) {
            out.tag(NODES_V2).i32(r.nodes().size());
            r.nodes().forEach(n -> ModelCodec.writeNode(out, n));
        } else if (result instanceof Result.Standbys r) {
            out.tag(STANDBYS).bool(r.accepted()).str(r.detail()).strings(r.nodes());
        } else if (result instanceof Result.Events r) {
            out.tag(EVENTS).i32(r.events().size());
            r.events().forEach(e -> ModelCodec.writeEvent(out, e));
        } else {
            throw new IllegalArgumentException("unknown result " + result);
        }
        return out.toByteArray();
    }

    /** The reply a replica sends for a request it cannot decode. */
    public static byte[] encodeRejection(String reason) {
        return new WireOutput().tag(REJECTED).str(reason).toByteArray();
    }

    /** @throws MalformedMessageException naming what was wrong, also for a rejection reply */
    public static Result decode(byte[] bytes) {
        WireInput in = new WireInput(bytes, "result");
        Result result = ModelCodec.decode("result", () -> {
            int tag = in.tag();
            return switch (tag) {
                case ACK -> new Result.Ack(in.bool(), in.str());
                case ACK_V2 -> new Result.Ack(in.enumValue(Result.Outcome.class), in.str());
                case ACKS ->
                    new Result.Acks(readList(in, () -> new Result.Ack(in.enumValue(Result.Outcome.class), in.str())));
                case SUSPECT ->
                    new Result.SuspectOutcome(in.bool(), in.str(), in.i32(), in.enumValue(NodeStatus.class));
                case DECISIONS -> new Result.Decisions(readList(in, () -> ModelCodec.readDecision(in)));
                case NODES -> new Result.Nodes(readList(in, () -> ModelCodec.readNodeV1(in)));
                case NODES_V2 -> new Result.Nodes(readList(in, () -> ModelCodec.readNode(in)));
                case STANDBYS -> new Result.Standbys(in.bool(), in.str(), in.strings());
                case EVENTS -> new Result.Events(readList(in, () -> ModelCodec.readEvent(in)));
                case REJECTED -> throw new MalformedMessageException("replicas rejected the request: " + in.str());
                default -> throw in.fail("unknown result tag " + tag);
            };
        });
        in.end();
        return result;
    }

    static <T> List<T> readList(WireInput in, java.util.function.Supplier<T> element) {
        int n = in.count();
        List<T> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(element.get());
        }
        return list;
    }
}
