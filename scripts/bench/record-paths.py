# The record requests of the catalogue benchmarks: the API paths of 300
# titles found by six searches (the title JSON with copies per branch).
#
#   python3 scripts/bench/record-paths.py http://host:port/api/v1/organisations/den-haag
import json, sys, urllib.parse, urllib.request
api = sys.argv[1]
base = urllib.parse.urlparse(api).path
ids = []
for q in ["history", "water", "poetry", "law", "music", "fietsen"]:
    page = json.load(urllib.request.urlopen(f"{api}/search?q={q}&per_page=100&facets=false"))
    ids += [t["id"] for w in page["works"] for t in w["titles"]]
for i in ids[:300]:
    print(f"{base}/titles/{i}")
