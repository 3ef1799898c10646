//! The benchmark harness still runs: `trivsel-bench --smoke` with tiny numbers reports every
//! scenario with numeric figures, the pages in a browser included. No timing is asserted — the benchmark measures, tests don't.

use serde_json::Value;

#[test]
fn the_benchmark_smoke_run_reports_every_scenario_with_a_ratio() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trivsel-bench"))
        .arg("--smoke")
        .arg("--json")
        .arg(&json)
        .output()
        .expect("trivsel-bench starts");
    assert!(
        output.status.success(),
        "trivsel-bench failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = report["scenarios"].as_array().expect("a list of scenarios");
    for name in [
        "step",
        "ops-ack",
        "ops-projector",
        "rooms-step",
        "rooms-ack",
        "rooms-projector",
        "idle",
        "slow-step",
        "slow-ack",
        "restart",
        "neighbour-ack",
        "scale-rooms-1x",
        "scale-rooms-4x",
        "scale-room-1x",
        "scale-room-4x",
    ] {
        let row = rows
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {report}"));
        for field in [
            "participants",
            "p50_ms",
            "p99_ms",
            "baseline_p99_ms",
            "ratio",
        ] {
            assert!(row[field].is_number(), "{name}.{field} in {row}");
        }
        if ["ops-ack", "rooms-ack"].contains(&name) || name.starts_with("scale-") {
            for field in ["cpu_us_per_op", "baseline_cpu_us_per_op"] {
                assert!(row[field].is_number(), "{name}.{field} in {row}");
            }
        }
        assert!(
            row["samples"].as_u64().unwrap() > 0,
            "{name} measured nothing: {row}"
        );
    }
    // The page scenario (on the fast network only, in a smoke run) needs Chromium and Node.js
    // with playwright-core, the browser tests' own: without them its rows say why they are
    // empty, which fails only where CI=true (scripts/test.sh installs them first).
    for page in ["phone", "projector", "console"] {
        for load in ["first", "reload"] {
            let name = format!("page-{page}-fast-{load}");
            let row = rows
                .iter()
                .find(|r| r["name"] == name.as_str())
                .unwrap_or_else(|| panic!("no {name} in {report}"));
            if let Some(reason) = row["skipped"].as_str() {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "{name} was skipped: {reason}"
                );
                eprintln!("note: {name} skipped: {reason}");
                continue;
            }
            assert!(row["samples"].as_u64().unwrap() > 0, "{name}: {row}");
            assert!(row["p50_ms"].as_f64().unwrap() > 0.0, "{name}: {row}");
            assert!(row["ratio"].as_f64().unwrap() > 0.0, "{name}: {row}");
            assert!(row["baseline_bytes"].as_u64().unwrap() > 0, "{name}: {row}");
            if load == "first" {
                assert!(row["requests"].as_u64().unwrap() > 0, "{name}: {row}");
                assert!(row["bytes"].as_u64().unwrap() > 0, "{name}: {row}");
            }
        }
    }
    let restart = rows.iter().find(|r| r["name"] == "restart").unwrap();
    assert_eq!(restart["recovered"], true, "{restart}");
    let neighbour = rows.iter().find(|r| r["name"] == "neighbour-ack").unwrap();
    assert!(
        neighbour["flood_sent"].as_u64() > Some(0),
        "the neighbour was flooded: {neighbour}"
    );
}
