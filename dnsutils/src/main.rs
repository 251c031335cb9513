//! Multi-call entry point: dispatches on the name it was invoked as (`host`, `dig`, ...).

use std::ffi::OsString;
use std::path::Path;

fn main() {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    let mut tool = tool_name(args.first());
    // Invoked as `dnsutils TOOL ARGS...`: the first argument names the tool.
    if tool == "dnsutils" && args.len() > 1 {
        args.remove(0);
        tool = tool_name(args.first());
    }
    let rest: Vec<OsString> = args.into_iter().skip(1).collect();
    let code = match tool.as_str() {
        "dig" => dnsutils::tools::dig::main(rest),
        "host" => dnsutils::tools::host::main(rest),
        "nslookup" => dnsutils::tools::nslookup::main(rest),
        "sleep" => dnsutils::tools::sleep::main(rest),
        "wget" => dnsutils::tools::wget::main(rest),
        _ => 64,
    };
    std::process::exit(code);
}

/// The basename of argv[0] (or of the tool argument), which selects the tool.
fn tool_name(arg: Option<&OsString>) -> String {
    arg.map(Path::new).and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
