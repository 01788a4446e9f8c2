package io.crifailover.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hands out small integers (1..250) unique across all test JVMs on this machine, so that
 * concurrently running suites never pick the same bridge name or subnet. A slot is a file
 * holding the owner's pid; slots of dead owners are reclaimed.
 */
final class SlotAllocator {
    private static final Path DIR = Path.of("/run/cri-failover-test/slots");

    private SlotAllocator() {}

    static synchronized int acquire() {
        try {
            Files.createDirectories(DIR);
            long self = ProcessHandle.current().pid();
            for (int round = 0; round < 2; round++) {
                for (int slot = 1; slot <= 250; slot++) {
                    Path file = DIR.resolve(Integer.toString(slot));
                    try {
                        Files.writeString(
                                file,
                                Long.toString(self),
                                StandardCharsets.US_ASCII,
                                java.nio.file.StandardOpenOption.CREATE_NEW,
                                java.nio.file.StandardOpenOption.WRITE);
                        return slot;
                    } catch (FileAlreadyExistsException taken) {
                        if (round == 1 && ownerIsDead(file)) {
                            Files.deleteIfExists(file);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot allocate a test slot in " + DIR, e);
        }
        throw new IllegalStateException("all 250 test slots in " + DIR + " are in use");
    }

    static void release(int slot) {
        try {
            Files.deleteIfExists(DIR.resolve(Integer.toString(slot)));
        } catch (IOException ignored) {
            // a stale slot is reclaimed by the next acquire
        }
    }

    private static boolean ownerIsDead(Path file) {
        try {
            long pid = Long.parseLong(Files.readString(file).trim());
            return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        } catch (IOException | NumberFormatException e) {
            return true;
        }
    }
}
