#!/usr/bin/env python3
"""Builds scenarios/mexico_2000.toml and data/mexico/targets_2000_2012.csv (or, with
--youths N other than 1,800,000, data/mexico/targets_2000_2012_N.csv: the same targets
with the 2012 member count scaled to N youths, e.g. for `narcodoor calibrate --youths N`).

Inputs (all in the repository): scenarios/mexico_scale.toml (the 32 states: youths,
youth_share, poverty, neighbours), scenarios/data/cartels_2010.csv (sourced cartel
presence), data/mexico/*.csv (INEGI homicides, CONAPO population, dated events, published
figures; provenance in data/mexico/SOURCES.md). Only years 2000-2012 of homicide data are
read. Rules and assumptions are written into the scenario's comments and docs/mexico.md.

With --balanced it also writes data/mexico/targets_2000_2012_balanced[_N].csv: the national
annual rates at tolerance 5%, per state two windows (2001-2006, before the campaign, and
2010-2012, the peak) at 25%, and the 2012 members at 30% (docs/mexico.md section 2).

Run from the repository root: python3 data/mexico/make_mexico_2000.py [--youths N] [--balanced]
"""
import csv
import sys
import tomllib
from collections import defaultdict

YOUTHS = 1_800_000  # the run size the targets' member count is scaled to
if "--youths" in sys.argv:
    YOUTHS = int(sys.argv[sys.argv.index("--youths") + 1])
BALANCED = "--balanced" in sys.argv
REAL_YOUTHS = 36_638_326  # mexico_scale.toml: youths aged 12-29 in 2010
MEMBERS_2012 = 115_000  # data/mexico/published_figures.csv
STRONG, PRESENT, CAP = 0.5, 0.15, 0.9
# Posterior medians of docs/mexico_calibration/calibrated.toml, to 4 significant digits.
CALIBRATED = {
    "violence.civilian": 18.14,
    "violence.conflict": 1.588,
    "policy.kingpin.shock": 0.2124,
    "recruit.intensity": 0.06211,
    "recruit.presence_floor": 0.002248,
}

scale = tomllib.load(open("scenarios/mexico_scale.toml", "rb"))
regions = scale["region"]
names = [r["name"] for r in regions]  # INEGI code order: index + 1 = state code

# --- observed homicide rates, 2000-2012 only --------------------------------------
hom = defaultdict(int)  # (code, year) -> homicides
for row in csv.DictReader(open("data/mexico/state_month_homicides_2000_2012.csv")):
    y = int(row["year"])
    if 2000 <= y <= 2012:
        hom[(int(row["state_code"]), y)] += int(row["homicides"])
pop = {}
for row in csv.DictReader(open("data/mexico/state_year_population_conapo2023.csv")):
    pop[(int(row["state_code"]), int(row["year"]))] = float(row["population_midyear"])
YEARS = range(2000, 2013)
rate = {(c, y): hom[(c, y)] / pop[(c, y)] * 1e5 for c in range(1, 33) for y in YEARS}
nat = {y: sum(hom[(c, y)] for c in range(1, 33)) / sum(pop[(c, y)] for c in range(1, 33)) * 1e5 for y in YEARS}

# --- cartels of about 2006 ---------------------------------------------------------
# cartels_2010.csv, folded back to the organisations of 2006: Beltran Leyva was part of
# the Sinaloa federation until January 2008, Los Zetas the Gulf cartel's armed wing until
# February 2010; CJNG did not exist yet (dropped); La Familia Michoacana had broken away
# from the Gulf/Zetas in 2006 and is kept.
FOLD = {
    "Sinaloa": "Sinaloa",
    "Beltrán Leyva/Pacífico Sur": "Sinaloa",
    "Gulf": "Golfo",
    "Los Zetas": "Golfo",
    "Juárez/La Línea": "Juarez",
    "Tijuana/AFO": "Tijuana",
    "La Familia Michoacana": "Familia Michoacana",
}
CARTELS = ["Sinaloa", "Golfo", "Juarez", "Tijuana", "Familia Michoacana"]
PREDATORY = {"Golfo"}  # the Zetas' extortion and kidnapping model
terr = {k: {} for k in CARTELS}
for row in csv.DictReader(open("scenarios/data/cartels_2010.csv")):
    k = FOLD.get(row["cartel"])
    if k is None:
        continue
    v = STRONG if row["presence"] == "strong" else PRESENT
    terr[k][row["state"]] = max(terr[k].get(row["state"], 0.0), v)
# Sinaloa's push into Ciudad Juarez began in 2008: in 2006 its Chihuahua presence (the
# Sierra) is "present", not the "strong" of 2010.
terr["Sinaloa"]["Chihuahua"] = PRESENT
for s in names:
    tot = sum(terr[k].get(s, 0.0) for k in CARTELS)
    if tot > CAP:
        for k in CARTELS:
            if s in terr[k]:
                terr[k][s] = round(terr[k][s] * CAP / tot, 4)

# --- base homicide rate per state ----------------------------------------------------
# civilian_homicide_rate = the state's observed mean rate over 2000-2005 (before the
# campaign), times BASE_SHARE: the rest of the pre-campaign level comes from the model's
# own member deaths and conflict (calibrated jointly; see docs/mexico.md).
BASE_SHARE = 0.4
base = {names[c - 1]: sum(rate[(c, y)] for y in range(2000, 2006)) / 6 for c in range(1, 33)}

# --- events --------------------------------------------------------------------------
OPS = []  # (date, [states], name)
STATE_ALIASES = {"Michoacan": "Michoacán", "Nuevo Leon": "Nuevo León", "Chihuahua (Ciudad Juarez)": "Chihuahua"}
KINGPIN = {
    # date: (cartel, regions or None, split_probability or None, assumption)
    "2008-01": ("Sinaloa", ["Guerrero", "Morelos", "Sinaloa", "Sonora", "México"], 1.0,
                "Beltran Leyva was a Sinaloa faction: the arrest splits Sinaloa in the Beltran Leyva states (the 2008 rupture)"),
    "2008-10": ("Tijuana", None, None, "Arellano Felix: Tijuana cartel"),
    "2009-03": ("Sinaloa", None, None, "Zambada Niebla (Sinaloa), captured in Mexico City where Sinaloa holds no model territory: every Sinaloa state"),
    "2009-04": ("Juarez", None, None, "Carrillo Leyva: Juarez cartel"),
    "2009-12": ("Sinaloa splinter 1", None, None, "Arturo Beltran Leyva: the Beltran Leyva splinter made by the 2008-01 event"),
    "2010-01": ("Tijuana", None, None, "Garcia Simental ('Tijuana/Sinaloa'): Tijuana, where he operated"),
    "2010-07": ("Sinaloa", ["Jalisco"], None, "Nacho Coronel, Sinaloa's Jalisco chief, killed in Zapopan: Sinaloa in Jalisco only"),
    "2010-08": ("Sinaloa splinter 1", None, None, "La Barbie (ex-Beltran Leyva): the Beltran Leyva splinter"),
    "2010-09": ("Sinaloa splinter 1", None, None, "Villarreal Barragan (Beltran Leyva): the Beltran Leyva splinter"),
    "2010-11": ("Golfo", ["Tamaulipas"], None, "Cardenas Guillen (Gulf), killed in Matamoros: Gulf in Tamaulipas"),
    "2010-12": ("Familia Michoacana", None, None, "Moreno Gonzalez reported killed (claim later false; the organisation did split into the Templarios in 2011)"),
    "2011-06": ("Familia Michoacana", None, None, "Mendez Vargas: La Familia Michoacana"),
    "2011-12": ("Golfo", None, None, "Hernandez Lechuga (Los Zetas): the model's Golfo includes the Zetas"),
    "2012-09a": ("Golfo", None, None, "Costilla Sanchez, El Coss (Gulf)"),
    "2012-09b": ("Golfo", ["San Luis Potosí"], None, "Velazquez Caballero (Zetas), captured in San Luis Potosi"),
    "2012-10": ("Golfo", ["Coahuila"], None, "Lazcano (Zetas), killed in Coahuila"),
    "2013-07": ("Golfo", ["Nuevo León"], None, "Trevino Morales (Zetas), captured in Nuevo Leon"),
    "2014-02": ("Sinaloa", ["Sinaloa"], None, "Guzman Loera (Sinaloa), captured in Mazatlan"),
    "2014-03": ("Familia Michoacana", ["Michoacán"], None, "Moreno Gonzalez (Templarios, La Familia's successor), killed in Michoacan"),
}
kp_rows = []
for row in csv.DictReader(open("data/mexico/events_2006_2014.csv")):
    ym = row["date"][:7]
    if row["event_type"] == "military_operation":
        places = row["place_stated_in_source"]
        states = [STATE_ALIASES.get(p.strip(), p.strip()) for p in places.split("/")]
        states = [STATE_ALIASES.get(s, s) for s in states]
        for s in states:
            assert s in names, s
        OPS.append((ym, states, row["person_or_operation"]))
    elif row["event_type"] == "kingpin":
        key = ym
        if ym == "2012-09":
            key = "2012-09a" if "Costilla" in row["person_or_operation"] else "2012-09b"
        kp_rows.append((ym, key, row["person_or_operation"], row["organization"]))

# --- the scenario --------------------------------------------------------------------
out = []
w = out.append
w("# Mexico 2000-2014: the 32 states, the cartels of about 2006, the joint military")
w("# operations and the kingpin removals of December 2006 - March 2014 at their dates.")
w("# Generated by data/mexico/make_mexico_2000.py from data/mexico/ and scenarios/data/")
w("# (sources: data/mexico/SOURCES.md, scenarios/data/SOURCES.md); edit those, not this.")
w("# Calibration, targets and every assumption: docs/mexico.md. Homicide data after 2012 was")
w("# not used for anything here.")
w("#")
w("# Youths, youth_share, poverty and neighbours: as in mexico_scale.toml (2010 values,")
w("# held fixed over 2000-2014: an assumption). Reported months 0..179 are 2000-01..2014-12.")
w("")
w("[run]")
w('name = "mexico_2000"')
w('description = "Mexico 2000-2014: 32 states, five cartels of 2006, joint operations and kingpin removals at their dates."')
w('start = "2000-01"')
w("months = 180")
w("replicates = 5")
w("# INEGI's homicide rates 2000-2012, national and by state, drawn over the simulation by")
w("# `narcodoor run` and fitted in its observed_fit.csv (rates only: they do not depend on --youths).")
w('observed = "../data/mexico/observed_2000_2012.csv"')
w("")
w("[population]")
w(f"youths = {sum(r['youths'] for r in regions)}")
w("")
w("# Free parameters: posterior medians (4 significant digits) of the calibration in")
w("# docs/mexico.md section 3b (docs/mexico_calibration/), fitted to 2000-2012 data only:")
w("#   narcodoor calibrate scenarios/mexico_2000.toml --targets data/mexico/targets_2000_2012_balanced_400000.csv \\")
w("#     --param violence.civilian=5:60 --param violence.conflict=0.05:3 \\")
w("#     --param policy.kingpin.shock=0.05:1.5 --param recruit.intensity=0.03:0.2 \\")
w("#     --param recruit.presence_floor=0:0.006 \\")
w("#     --particles 40 --generations 5 --replicates 2 --youths 400000 --months 156 --seed 1")
w("# (MODEL.md defaults: civilian 10, conflict 2, kingpin shock 0.3, intensity 0.085.)")
w("[violence]")
w(f"civilian = {CALIBRATED['violence.civilian']}")
w(f"conflict = {CALIBRATED['violence.conflict']}")
w("")
w("# A finite-size correction (docs/model.md note 40, docs/mexico.md section 6): a region's")
w("# cartels keep recruiting as if they had at least presence_floor members per youth x their")
w("# territory, so a small state whose last members leave is not lost to them for good")
w("# (the floor is calibrated with the rest).")
w("[recruit]")
w(f"intensity = {CALIBRATED['recruit.intensity']}")
w(f"presence_floor = {CALIBRATED['recruit.presence_floor']}")
w("")
for r in regions:
    n = r["name"]
    w("[[region]]")
    w(f'name = "{n}"')
    w(f"youths = {r['youths']}")
    w(f"youth_share = {r['youth_share']}")
    w(f"poverty = {r['poverty']}")
    nb = ", ".join(f'"{x}"' for x in r.get("neighbours", []))
    w(f"neighbours = [{nb}]")
    w(f"civilian_homicide_rate = {round(base[n] * BASE_SHARE, 2)}  # INEGI mean 2000-2005 rate x {BASE_SHARE}")
    w("")
w("# Territory: 0.5 where an organisation was strong, 0.15 where present (cartels_2010.csv,")
w("# folded back to 2006: Beltran Leyva inside Sinaloa, Los Zetas inside the Gulf cartel),")
w("# scaled so that no state sums above 0.9. A stated rule, not data. Aguascalientes,")
w("# Distrito Federal and states without a sourced presence hold no cartel territory.")
for k in CARTELS:
    w("[[cartel]]")
    w(f'name = "{k}"')
    if k in PREDATORY:
        w("predatory = true")
    t = ", ".join(f'"{s}" = {v}' for s, v in sorted(terr[k].items(), key=lambda x: names.index(x[0])))
    w(f"territory = {{ {t} }}")
    w("")
w("# Joint military operations (events_2006_2014.csv): one policing instance with the army")
w("# per operation, in the states it names, from its month to the end of the run (no end")
w("# dates are given). Repeated operations in a state stack (each adds its increase and")
w("# army). Magnitudes are the lever's defaults (MODEL.md 6.4), not calibrated.")
for ym, states, name in OPS:
    w("[[policy.policing]]")
    w(f"# {name}")
    w(f'start_month = "{ym}"')
    w("regions = [" + ", ".join(f'"{s}"' for s in states) + "]")
    w("army = true")
    w("")
w("# Kingpin removals at their dates. The lever's scheduled removals are off (no")
w("# removals_per_year); succession and splits follow 6.6 with the defaults; the shock is")
w("# calibrated (above).")
w("[policy.kingpin]")
w(f"shock = {CALIBRATED['policy.kingpin.shock']}")
w("")
for ym, key, person, org in kp_rows:
    if key not in KINGPIN:
        w(f"# {ym} {person} ({org or 'no organisation named'}): not modelled, the row names no organisation")
        w("")
        continue
    cartel, regs, split, why = KINGPIN[key]
    w("[[policy.kingpin.event]]")
    w(f"# {person}: {why}")
    w(f'date = "{ym}"')
    w(f'cartel = "{cartel}"')
    if regs:
        w("regions = [" + ", ".join(f'"{s}"' for s in regs) + "]")
    if split is not None:
        w(f"split_probability = {split}")
    w("")
open("scenarios/mexico_2000.toml", "w").write("\n".join(out).rstrip() + "\n")

# --- targets -------------------------------------------------------------------------
def write_targets(name, national_tolerance, windows):
    """A targets file: the national annual rates at `national_tolerance`, each state's mean
    rate over each (first, last) year window at 25% (the window mean of the monthly rates
    is the mean of the annual rates; a window with no homicide is left out, a relative
    tolerance cannot score it), and the 2012 members scaled to YOUTHS at 30%."""
    path = f"data/mexico/{name}" + ("" if YOUTHS == 1_800_000 else f"_{YOUTHS}") + ".csv"
    with open(path, "w", newline="") as f:
        t = csv.writer(f, lineterminator="\n")
        t.writerow(["metric", "region", "start", "end", "value", "tolerance"])
        for y in YEARS:
            t.writerow(["homicide_rate", "", f"{y}-01", f"{y}-12", round(nat[y], 3), national_tolerance])
        for c in range(1, 33):
            for a, b in windows:
                v = round(sum(rate[(c, y)] for y in range(a, b + 1)) / (b - a + 1), 3)
                if v > 0:
                    t.writerow(["homicide_rate", names[c - 1], f"{a}-01", f"{b}-12", v, 0.25])
        t.writerow(["members", "", "2012-01", "2012-12", round(MEMBERS_2012 * YOUTHS / REAL_YOUTHS), 0.3])


# --- observed data for `run` ---------------------------------------------------------
def write_observed():
    """The scenario's run.observed file: every annual rate of 2000-2012, national and by
    state (metric,region,date,value; docs/mexico.md)."""
    with open("data/mexico/observed_2000_2012.csv", "w", newline="") as f:
        t = csv.writer(f, lineterminator="\n")
        f.write("# INEGI homicides (state_month_homicides_2000_2012.csv) per 100,000 CONAPO inhabitants\n")
        f.write("# (state_year_population_conapo2023.csv); written by data/mexico/make_mexico_2000.py.\n")
        t.writerow(["metric", "region", "date", "value"])
        for y in YEARS:
            t.writerow(["homicide_rate", "", y, round(nat[y], 3)])
        for c in range(1, 33):
            for y in YEARS:
                t.writerow(["homicide_rate", names[c - 1], y, round(rate[(c, y)], 3)])


write_observed()
write_targets("targets_2000_2012", 0.1, [(y, y) for y in YEARS])
if BALANCED:
    # Chosen after the first calibration (annual file) failed, docs/mexico.md sections 2
    # and 3c: 2 wide windows per state average out year-to-year noise, and 64 state rows
    # no longer outvote the 13 national rows and the member row as 416 did.
    write_targets("targets_2000_2012_balanced", 0.05, [(2001, 2006), (2010, 2012)])
print("national rates:", {y: round(nat[y], 1) for y in YEARS})
