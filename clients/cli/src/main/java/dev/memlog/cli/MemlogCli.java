package dev.memlog.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code memlog}: the operator's commands, configured like the services by environment variables. */
@Command(name = "memlog", mixinStandardHelpOptions = true, subcommands = {DeadLetterCommands.class, KekCommands.class, RebuildCommand.class,
        ReplayCommand.class},
        description = "Operate a memlog deployment.")
public final class MemlogCli {

    public static void main(String[] args) {
        System.exit(new CommandLine(new MemlogCli()).execute(args));
    }
}
