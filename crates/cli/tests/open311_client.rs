//! A real Open311 client from the package registry (PyPI `georeport`, pinned in
//! `.ci/requirements.txt`) against a demo server: service list and definition, and a request
//! (posted with the form the specification gives) read back through the client, in JSON and in
//! XML. The client is read-only, so the POST is a plain form from Python's `requests`.

use std::process::Command;

mod common;
use common::{serve, token};

fn python() -> String {
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.ci/venv/bin/python");
    let ok =
        Command::new(venv).args(["-c", "import georeport; assert georeport.__version__ == '0.3.1', georeport.__version__"]).status().is_ok_and(|s| s.success());
    assert!(ok, "the georeport client is missing: python3 -m venv .ci/venv && .ci/venv/bin/pip install -r .ci/requirements.txt");
    venv.to_string()
}

const SCRIPT: &str = r#"
import sys, requests, georeport
root, key = sys.argv[1] + "/open311/v2", sys.argv[2]
form = {"api_key": key, "jurisdiction_id": "990101", "service_code": "help", "lat": "30.1", "long": "120.2",
        "first_name": "敏", "last_name": "赵", "description": "小区路灯不亮"}
r = requests.post(root + "/requests.json", data=form)
r.raise_for_status()
rid = r.json()[0]["service_request_id"]
for fmt in ("json", "xml"):
    c = georeport.GeoReport(root, jurisdiction="990101", output_format=fmt)
    services = c.get_service_list()
    assert [s["service_code"] for s in services][:3] == ["consultation", "help", "complaint"], services
    assert c.get_service_definition("help")["service_code"] == "help"
    one = c.get_service_request(rid)
    assert one["service_request_id"] == rid and one["status"] == "open" and one["description"] == "小区路灯不亮", one
    listed = c.get_service_requests(service_request_id=rid)
    listed = listed if isinstance(listed, list) else [listed]
    assert listed[0]["status_notes"] == "已受理，正在分派", listed
print("ok", rid)
"#;

#[test]
fn the_georeport_client_reads_what_a_form_submitted() {
    let py = python();
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path().to_str().unwrap(), &None, &[]);
    let key = token(&server.1, "h12345.990101");
    let out = Command::new(py).args(["-c", SCRIPT, &server.1, &key]).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.starts_with("ok 12345990101"), "{said}");
}
