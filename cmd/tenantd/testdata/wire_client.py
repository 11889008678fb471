"""Provisioning code of the kind integrators write against the published API
with Python's requests. TENANTD_URL, CLIENT_ID and CLIENT_SECRET name the
server and an API client of its root tenant."""

import os
import sys
import time

import requests


def main():
    s = requests.Session()
    s.trust_env = False  # no proxy between the test and its server
    base_url = os.environ["TENANTD_URL"] + "/api/2"
    r = s.post(base_url + "/idp/token", data={"grant_type": "client_credentials"},
               auth=(os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]))
    r.raise_for_status()
    auth = {"Authorization": "Bearer " + r.json()["access_token"]}

    me = s.get(base_url + "/users/me", headers=auth)
    me.raise_for_status()
    tenant_id = me.json()["tenant_id"]

    partner = s.post(base_url + "/tenants", headers=auth,
                     json={"name": "Python partner", "kind": "partner", "parent_id": tenant_id})
    assert partner.status_code == 201, partner.text
    partner = partner.json()
    customer = s.post(base_url + "/tenants", headers=auth,
                      json={"name": "Python customer", "kind": "customer", "parent_id": partner["id"]})
    assert customer.status_code == 201, customer.text
    customer = customer.json()

    # A user, its contact as a form filled it: login repeated, blanks as None.
    user = s.post(base_url + "/users", headers=auth, json={
        "tenant_id": customer["id"], "login": "py-buyer",
        "contact": {"email": "py-buyer@example.com", "login": "py-buyer", "phone": None, "firstname": None}})
    assert user.status_code == 200, user.text
    assert 'unknown field \\"contact.login\\"' in user.headers.get("Warning", ""), user.headers
    assert "\n" not in user.text, repr(user.text)

    # Read, edit, write back, with tenant_id the PUT does not take.
    tenant = s.get(base_url + "/tenants/" + customer["id"], headers=auth).json()
    tenant["name"] = "Python customer, renamed"
    tenant["tenant_id"] = tenant["id"]
    r = s.put(base_url + "/tenants/" + customer["id"], headers=auth, json=tenant)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Python customer, renamed", r.text
    # The same, strictly: refused, naming the field.
    tenant = r.json()
    tenant["tenant_id"] = tenant["id"]
    r = s.put(base_url + "/tenants/" + customer["id"], headers=auth, json=tenant,
              params={"field_validation": "strict"})
    assert r.status_code == 400 and "tenant_id" in r.json()["error"]["message"], r.text
    assert isinstance(r.json()["error"]["code"], str), r.text

    # The offering items envelope, sent back as read.
    items = s.get(base_url + "/tenants/" + partner["id"] + "/offering_items", headers=auth)
    assert items.status_code == 200, items.text
    r = s.put(base_url + "/tenants/" + partner["id"] + "/offering_items", headers=auth, json=items.json())
    assert r.status_code == 200, r.text

    r = s.get(base_url + "/tenants/" + tenant_id + "/offering_items/available_for_child", headers=auth)
    assert r.status_code == 200 and r.json()["items"], r.text

    # A one-off report, downloaded: requests undoes the gzip encoding.
    report = s.post(base_url + "/reports", headers=auth, json={
        "result_action": "save", "schedule": {"type": "once"},
        "parameters": {"tenant_id": partner["id"], "level": "all_customers", "kind": "usage_current",
                       "formats": ["csv_v2_0"]}})
    assert report.status_code == 200, report.text
    report_id = report.json()["id"]
    deadline = time.time() + 60
    while True:
        stored = s.get(base_url + "/reports/" + report_id + "/stored", headers=auth).json()["items"]
        if stored and stored[0]["status"] == "saved":
            break
        assert time.time() < deadline, stored
        time.sleep(0.2)
    url = base_url + "/reports/" + report_id + "/stored/" + stored[0]["id"]
    r = s.get(url, headers=auth)
    assert r.status_code == 200, r.text
    assert r.text.startswith("tenant_id,"), r.text[:200]
    assert "report_" in r.headers["Content-Disposition"], r.headers
    raw = s.get(url, headers=auth, stream=True).raw.read()
    assert raw[:2] == b"\x1f\x8b", raw[:20]

    print("ok")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAIL:", e, file=sys.stderr)
        raise
