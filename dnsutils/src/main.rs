//! Multi-call entry point: dispatches on the name it was invoked as (`host`, `dig`, ...).

fn main() {
    std::process::exit(64);
}
