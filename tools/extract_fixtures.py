#!/usr/bin/env python3
"""Copy the recorded responses the tests replay out of the shared VCR cassettes.

The cassettes in ../shared/data/fixtures/ hold gzip+base64 bodies inside YAML; the tests want the
plain bodies, byte for byte as the API sent them (after gzip decoding), plus the recorded headers.
Run from the repository root: python3 tools/extract_fixtures.py (needs PyYAML). The output is
committed, so the tests never need this script or the shared folder.
"""
import base64, gzip, json, os, sys
import yaml

SHARED = os.environ.get("XREFSCAN_SHARED", "../shared/data/fixtures")

class Loader(yaml.SafeLoader):
    pass

Loader.add_constructor("tag:yaml.org,2002:binary", lambda l, n: base64.b64decode(l.construct_scalar(n)))

# (cassette, interaction index, output name)
PICKS = [
    ("crossref/habanero__test-funders_test_funders_mixed_ids_works_warn.yaml", 2, "crossref/dod_works_page.json"),
    ("crossref/habanero__test-funders_test_funders_mixed_ids_works_warn.yaml", 0, "crossref/nsf_works_page.json"),
    ("crossref/habanero__test-funders_test_funders_mixed_ids_warn.yaml", 0, "crossref/funder_nsf.json"),
    ("crossref/habanero__test-cursor_test_cursor_fails_cursor_value.yaml", 0, "crossref/cursor_invalid_404.json"),
    ("crossref/habanero__test-funders_test_funders_fail_limit.yaml", 0, "crossref/rows_invalid_400.json"),
    ("crossref/habanero__test-works_test_works_bad_id_warn.yaml", 0, "crossref/not_found_404.txt"),
    ("crossref/habanero__test-workscontainer_test_workscontainer_with_cursor.yaml", 0, "crossref/cursor_page_1.json"),
    ("crossref/habanero__test-workscontainer_test_workscontainer_with_cursor.yaml", 1, "crossref/cursor_page_2.json"),
    ("crossref/habanero__test-workscontainer_test_workscontainer_with_cursor.yaml", 2, "crossref/cursor_page_3.json"),
    ("crossref/habanero__test-workscontainer_test_workscontainer_with_cursor.yaml", 3, "crossref/cursor_page_4.json"),
    ("crossref/habanero__test-works_test_works_field_queries.yaml", 0, "crossref/field_queries_page.json"),
    ("crossref/rcrossref__cr_works_parses_funders.yml", 3, "crossref/work_messy_funders.json"),
    ("crossref/rcrossref__cr_works_empty_funder.yml", 0, "crossref/work_empty_funder.json"),
    ("openalex/openalexPro__vcr__pro_request_single_identifier.yml", 0, "openalex/work_W2162348455.json"),
    ("openalex/openalexPro__vcr__opt_filter_names.yml", 0, "openalex/filter_invalid_400.json"),
    ("openalex/openalexPro__vcr__oa_snowball.yml", 3, "openalex/works_page_with_cn.json"),
    ("openalex/openalexPro__vcr__api_call_200.yml", 0, "openalex/work_sparse.json"),
    ("openalex/openalexPro__vcr__pro_rate_limit_status_401.yml", 0, "openalex/api_key_invalid_401.json"),
]
COPIES = [
    ("openalex/openalexPro__keypaper_json__results_page_1.json", "openalex/legacy_page_1.json"),
    ("openalex/openalexPro__keypaper_json__results_page_2.json", "openalex/legacy_page_2_end.json"),
]

def main():
    out_root = "tests/fixtures"
    for cassette, idx, out in PICKS:
        data = yaml.load(open(os.path.join(SHARED, cassette)), Loader=Loader)
        inter = (data.get("interactions") or data.get("http_interactions"))[idx]
        resp = inter["response"]
        body = resp["body"].get("string") or b""
        if isinstance(body, bytes):
            try:
                body = gzip.decompress(body)
            except OSError:
                pass
        else:
            body = body.encode("utf-8")
        with open(os.path.join(out_root, out), "wb") as f:
            f.write(body)
        status = resp.get("status")
        status = status.get("code") if isinstance(status, dict) else status
        headers = {k.lower(): (v[0] if isinstance(v, list) else v) for k, v in resp["headers"].items()}
        headers.pop("content-encoding", None)
        headers.pop("transfer-encoding", None)
        meta = {"status": status, "headers": headers, "uri": inter["request"]["uri"],
                "cassette": cassette, "interaction": idx}
        with open(os.path.join(out_root, out) + ".meta.json", "w") as f:
            json.dump(meta, f, indent=1, sort_keys=True)
    for src, out in COPIES:
        with open(os.path.join(SHARED, src), "rb") as f, open(os.path.join(out_root, out), "wb") as g:
            g.write(f.read())

if __name__ == "__main__":
    sys.exit(main())
