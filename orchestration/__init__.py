"""wsconform's orchestration, behind run_suite.py: one concern per module, standard library only.

    cli          the command line: subcommands, their options, --help
    commands/    one module per subcommand: run (the default), spec, clients, report, diff, test
                 (fuzz and fuzz-live are in fuzzing/)
    console      one-line messages, progress of slow steps, the error that ends a run (exit 2)
    paths        the source tree, build directories, the default output folder (out/)
    packages     Debian packages by what needs them; installing the missing ones
    build        configuring and building with CMake, with progress
    processes    servers we start, restarting them, running wsconform so it can ask for that
    servers      the embedded defaults: the reference server, nghttpx in front of it, the
                 reference client's command
    catalogue    what the wsconform binary selects (`--list --json`): one matcher, one slug
    spec         Autobahn's fuzzingclient and fuzzingserver specs, read and checked
    reporting    the glue to reports/: baselines, merged runs, writing a report, exit status
"""
