package io.crifailover.store;

import picocli.CommandLine;

/** Standalone entry point: {@code java -cp ... io.crifailover.store.StoreMain serve --root ...}. */
public final class StoreMain {
    private StoreMain() {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new StoreCommand()).execute(args));
    }
}
