package io.crifailover.placement;

import bftsmart.tom.MessageContext;
import bftsmart.tom.server.defaultservices.DefaultSingleRecoverable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * BFT-SMaRt service holding a {@link PlacementState}. Every request must be a {@link SignedRequest} of a member
 * ({@link RequestAuthenticator}); its command is applied as that member, whatever BFT-SMaRt client id carried it,
 * and answered with a deterministic encoding. Unordered requests may only read.
 */
public class PlacementReplica extends DefaultSingleRecoverable {
    private static final int SNAPSHOT_VERSION = 2;

    private PlacementState state;
    private final MemberKeys members;
    private RequestAuthenticator authenticator;
    private final PlacementStateManager stateManager = new PlacementStateManager();

    public PlacementReplica(int f, MemberKeys members) {
        this.state = new PlacementState(f);
        this.members = members;
        this.authenticator = new RequestAuthenticator(members);
    }

    @Override
    public byte[] appExecuteOrdered(byte[] request, MessageContext context) {
        return execute(request, context.getSender(), false);
    }

    @Override
    public byte[] appExecuteUnordered(byte[] request, MessageContext context) {
        return execute(request, context.getSender(), true);
    }

    /**
     * Applies one request; {@code readOnlyPath} refuses state changes. {@code sender} (the BFT-SMaRt client id)
     * proves nothing and is not used.
     */
    protected synchronized byte[] execute(byte[] request, int sender, boolean readOnlyPath) {
        RequestAuthenticator.Admission admission = authenticator.admit(request, !readOnlyPath);
        if (admission.refusal().isPresent()) {
            return ResultCodec.encodeRejection(admission.refusal().get());
        }
        Command command = admission.command();
        if (readOnlyPath && !command.readOnly()) {
            return ResultCodec.encodeRejection("state-changing command must be ordered");
        }
        return ResultCodec.encode(state.apply(command, admission.member()));
    }

    @Override
    public synchronized byte[] getSnapshot() {
        WireOutput out = new WireOutput().tag(SNAPSHOT_VERSION);
        authenticator.write(out);
        return out.bytes(StateCodec.snapshot(state)).toByteArray();
    }

    @Override
    public synchronized void installSnapshot(byte[] snapshot) {
        if (snapshot == null || snapshot.length == 0) {
            state = new PlacementState(state.f());
            authenticator = new RequestAuthenticator(members);
            return;
        }
        WireInput in = new WireInput(snapshot, "replica snapshot");
        int version = in.tag();
        if (version != SNAPSHOT_VERSION) {
            throw in.fail("unsupported replica snapshot version " + version);
        }
        RequestAuthenticator restored = new RequestAuthenticator(members);
        restored.read(in);
        PlacementState restoredState = StateCodec.restore(in.bytes(Integer.MAX_VALUE));
        in.end();
        authenticator = restored;
        state = restoredState;
    }

    @Override
    public PlacementStateManager getStateManager() {
        return stateManager;
    }

    /** Hex SHA-256 of the replica's snapshot: the state and the members' last request numbers. */
    public synchronized String digest() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(getSnapshot()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    public synchronized long appliedCommands() {
        return state.appliedCommands();
    }
}
