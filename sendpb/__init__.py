"""The sendpb runner and command line: one process with everything, or one component per process."""
