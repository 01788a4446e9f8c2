package io.crifailover.placement;

import bftsmart.tom.MessageContext;
import bftsmart.tom.server.defaultservices.DefaultSingleRecoverable;

/**
 * BFT-SMaRt service holding a {@link PlacementState}. Ordered requests are decoded, applied with the sender's
 * authenticated client id and answered with a deterministic encoding; unordered requests may only read.
 */
public class PlacementReplica extends DefaultSingleRecoverable {
    private PlacementState state;
    private final PlacementStateManager stateManager = new PlacementStateManager();

    public PlacementReplica(int f) {
        this.state = new PlacementState(f);
    }

    @Override
    public byte[] appExecuteOrdered(byte[] request, MessageContext context) {
        return execute(request, context.getSender(), false);
    }

    @Override
    public byte[] appExecuteUnordered(byte[] request, MessageContext context) {
        return execute(request, context.getSender(), true);
    }

    /** Applies one request; {@code readOnlyPath} refuses state changes. */
    protected synchronized byte[] execute(byte[] request, int sender, boolean readOnlyPath) {
        Command command;
        try {
            command = CommandCodec.decode(request);
        } catch (MalformedMessageException e) {
            return ResultCodec.encodeRejection(e.getMessage());
        }
        if (readOnlyPath && !command.readOnly()) {
            return ResultCodec.encodeRejection("state-changing command must be ordered");
        }
        return ResultCodec.encode(state.apply(command, sender));
    }

    @Override
    public synchronized byte[] getSnapshot() {
        return StateCodec.snapshot(state);
    }

    @Override
    public synchronized void installSnapshot(byte[] snapshot) {
        if (snapshot == null || snapshot.length == 0) {
            state = new PlacementState(state.f());
            return;
        }
        state = StateCodec.restore(snapshot);
    }

    @Override
    public PlacementStateManager getStateManager() {
        return stateManager;
    }

    /** Hex SHA-256 of the current state. */
    public synchronized String digest() {
        return StateCodec.digest(state);
    }

    public synchronized long appliedCommands() {
        return state.appliedCommands();
    }
}
