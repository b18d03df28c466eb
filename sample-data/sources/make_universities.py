"""Derives universities.csv (used by `yitu sample-data` for the talent_sources layer) from two public files in
../shared/realdata/universities/MySxan-university-geocoder (MPL-2.0; the data are the Ministry of Education's
public list of institutions of higher education, 截至2025年6月20日):
  - univ_moe.xls: the official list (学校名称, 学校标识码, 主管部门, 所在地, 办学层次);
  - univ_supp.json: type, 985/211/双一流 flags and main-campus coordinates (Tencent geocoder: GCJ-02).
Run: ogr2ogr -f CSV /tmp/moe.csv univ_moe.xls && python3 make_universities.py /tmp/moe.csv univ_supp.json
Coordinates stay GCJ-02 here; the generator converts them to CGCS2000/WGS84."""
import csv, json, sys

moe = {}
for row in csv.reader(open(sys.argv[1], encoding="utf-8")):
    if len(row) >= 6 and row[2].strip().isdigit() and len(row[2].strip()) == 10:
        moe[row[1].strip()] = (row[2].strip(), row[3].strip(), row[4].strip(), row[5].strip())
supp = json.load(open(sys.argv[2], encoding="utf-8"))
out = csv.writer(open("universities.csv", "w", encoding="utf-8", newline=""))
out.writerow(["name", "code", "authority", "city", "level", "category", "is985", "is211", "double_first", "province", "lon_gcj02", "lat_gcj02"])
n = 0
for u in supp:
    name = u["name"].strip()
    if name not in moe or not u.get("campuses"):
        continue
    c = u["campuses"][0]
    if c.get("longitude") is None:
        continue
    code, auth, city, level = moe[name]
    out.writerow([name, code, auth, city, level, u.get("majorCategory") or "", int(bool(u.get("is985"))), int(bool(u.get("is211"))),
                  int(bool(u.get("isDoubleFirstClass"))), u.get("province") or "", round(c["longitude"], 6), round(c["latitude"], 6)])
    n += 1
print(n, "universities")
