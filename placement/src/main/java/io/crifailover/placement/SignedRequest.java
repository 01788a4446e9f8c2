package io.crifailover.placement;

import java.nio.charset.StandardCharsets;

/**
 * A placement request as it travels through BFT-SMaRt: the member that sends it, a request number that grows with
 * every request of that member (replicas refuse one that does not, so a recorded request cannot be replayed), the
 * encoded {@link Command}, and the member's {@link NodeKey} signature over all of it. BFT-SMaRt 0.0.8 does not
 * authenticate clients (their MAC keys derive from public strings, and a request that says it is unsigned skips
 * the signature check), so the state machine checks this signature itself.
 */
record SignedRequest(int member, long number, byte[] command, byte[] signature) {
    private static final int VERSION = 1;
    private static final byte[] CONTEXT = "cri-failover placement request v1".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_COMMAND_BYTES = 1 << 20;
    private static final int MAX_SIGNATURE_BYTES = 1024;

    /** Encodes and signs a request of {@code member} holding {@code key}. */
    static byte[] encode(int member, long number, byte[] command, NodeKey key) {
        byte[] signature = key.sign(signedBytes(member, number, command));
        return new WireOutput()
                .tag(VERSION)
                .i32(member)
                .i64(number)
                .bytes(command)
                .bytes(signature)
                .toByteArray();
    }

    /** @throws MalformedMessageException naming what was wrong */
    static SignedRequest decode(byte[] bytes) {
        WireInput in = new WireInput(bytes, "signed request");
        int version = in.tag();
        if (version != VERSION) {
            throw in.fail("unsupported version " + version + " (unsigned requests are refused)");
        }
        SignedRequest request =
                new SignedRequest(in.i32(), in.i64(), in.bytes(MAX_COMMAND_BYTES), in.bytes(MAX_SIGNATURE_BYTES));
        in.end();
        return request;
    }

    /** Whether the signature is {@code key}'s over this request. */
    boolean signedBy(java.security.PublicKey key) {
        return NodeKey.verify(key, signedBytes(member, number, command), signature);
    }

    private static byte[] signedBytes(int member, long number, byte[] command) {
        return new WireOutput()
                .bytes(CONTEXT)
                .i32(member)
                .i64(number)
                .bytes(command)
                .toByteArray();
    }
}
