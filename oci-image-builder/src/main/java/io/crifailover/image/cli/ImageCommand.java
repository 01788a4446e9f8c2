package io.crifailover.image.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code image}: checkpoint archive to OCI checkpoint image and back. */
@Command(
        name = "image",
        mixinStandardHelpOptions = true,
        description = "Pack checkpoint archives into OCI checkpoint images, unpack them, inspect either.",
        subcommands = {PackCommand.class, UnpackCommand.class, InspectCommand.class})
public final class ImageCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: pack, unpack or inspect");
    }
}
