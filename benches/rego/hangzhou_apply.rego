# The rules pdao applies to a Hangzhou `apply` request, written in Rego, for
# the benchmark against the regorus interpreter (benches/benches/pdao_vs_rego.rs)
# and the agreement test (benches/tests/rego_agrees.rs).
#
# Input: the request JSON of the contract (shared/spec/CONTRACT.md), as is.
# Output: `deny`, the set of rule ids that deny (pdao's `reasons[].rule`),
# and `decision`, "allow" or "deny".
#
# Chain: national → zhejiang → hangzhou. No national rule applies to
# `apply`; the Zhejiang rules are those of 浙政办发〔2023〕44号 (in force from
# 2023-09-01), the Hangzhou rules those of the Hangzhou plan (in force from
# 2023-10-05). Both documents cover the chain, so a request dated before
# 2023-09-01 is not covered (`pdao.coverage`).
#
# Missing facts fail closed, as in pdao: a requirement holds only when every
# fact it reads is given and true; a forbid is cleared only when the facts it
# reads are given and show it does not fire. (pdao also names the missing
# facts; this policy only decides and names the rules.)
#
# Dates are ISO strings; they are compared as integers yyyymmdd, and month
# arithmetic clamps to the month's last day exactly as pdao's add_months
# (catalog §6.1): 2024-08-31 + 6 months = 2025-02-28.

package pdao.hangzhou_apply

import rego.v1

# ---------------------------------------------------------------------------
# Date helpers
# ---------------------------------------------------------------------------

# [year, month, day] of an ISO date string. (Leading zeros are trimmed:
# to_number follows JSON, where "08" is not a number.)
ymd(s) := [y, m, d] if {
	parts := split(s, "-")
	y := to_number(parts[0])
	m := to_number(trim_left(parts[1], "0"))
	d := to_number(trim_left(parts[2], "0"))
}

# A date as the integer yyyymmdd, ordered like the dates.
day_number(s) := n if {
	[y, m, d] := ymd(s)
	n := ((y * 100) + m) * 100 + d
}

leap_year(y) if {
	y % 4 == 0
	y % 100 != 0
}

leap_year(y) if y % 400 == 0

days_in_month(y, m) := 29 if {
	m == 2
	leap_year(y)
}

days_in_month(y, m) := 28 if {
	m == 2
	not leap_year(y)
}

days_in_month(_, m) := 30 if m in {4, 6, 9, 11}

days_in_month(_, m) := 31 if m in {1, 3, 5, 7, 8, 10, 12}

# add_months(s, n) as yyyymmdd: the same day n months later, clamped to the
# last day of a shorter month (pdao's dates::add_months).
add_months(s, n) := r if {
	[y, m, d] := ymd(s)
	total := ((y * 12) + m - 1) + n
	month0 := total % 12
	ny := (total - month0) / 12
	nm := month0 + 1
	nd := min([d, days_in_month(ny, nm)])
	r := ((ny * 100) + nm) * 100 + nd
}

# The request date.
today := day_number(input.date)

# Events of a kind dated on or before the request date (as-of evaluation:
# later events are ignored).
events_of(kind) := [e |
	some e in input.events
	e.kind == kind
	day_number(e.date) <= today
]

# ---------------------------------------------------------------------------
# Documents in force and coverage
# ---------------------------------------------------------------------------

zhejiang_in_force if today >= 20230901 # zhejiang-2023-44, in_force_from

hangzhou_in_force if today >= 20231005 # hangzhou-2023-ja, in_force_from

deny contains "pdao.coverage" if not zhejiang_in_force

# ---------------------------------------------------------------------------
# Temporal definitions (policies/zhejiang/time.rules)
# ---------------------------------------------------------------------------

# zj_recent_incident: exists security_incident e: e.date within 36 months
# before date  ≡  e.date <= D <= add_months(e.date, 36)  (§6 W1).
recent_incident if {
	some e in events_of("security_incident")
	today <= add_months(e.date, 36)
}

# zj_call_open: exists call_notice c: c.date <= date and (c.until absent or
# date <= c.until)  (§6 W3).
call_open if {
	some c in events_of("call_notice")
	not c.until
}

call_open if {
	some c in events_of("call_notice")
	today <= day_number(c.until)
}

# zj_audit_fresh / zj_financial_fresh: a report dated within the 12 months up
# to the request date (§6 W1).
fresh(kind) if {
	some r in events_of(kind)
	today <= add_months(r.date, 12)
}

# ---------------------------------------------------------------------------
# Zhejiang rules (浙政办发〔2023〕44号)
# ---------------------------------------------------------------------------

# zhejiang.data.no_prohibited_open (forbid, 一(一)): prohibited-open data.
deny contains "zhejiang.data.no_prohibited_open" if {
	zhejiang_in_force
	not input.data.open_class != "prohibited" # fires, or open_class missing
}

# zhejiang.operator.basic (requirement, 三(一)).
deny contains "zhejiang.operator.basic" if {
	zhejiang_in_force
	not operator_basic
}

operator_basic if {
	input.operator.sound_operation == true
	input.operator.domain_capability == true
	input.operator.credit_ok == true
}

# zhejiang.operator.security_governance (requirement, 三(二)1).
deny contains "zhejiang.operator.security_governance" if {
	zhejiang_in_force
	not security_governance
}

security_governance if {
	input.operator.security_officer == true
	input.operator.security_regime == true
}

# zhejiang.operator.mlps3 (requirement, 三(二)2).
deny contains "zhejiang.operator.mlps3" if {
	zhejiang_in_force
	not mlps3
}

mlps3 if {
	input.operator.mlps3_experience == true
	input.operator.crypto_eval_experience == true
}

# zhejiang.operator.data_capability (requirement, 三(二)3).
deny contains "zhejiang.operator.data_capability" if {
	zhejiang_in_force
	not input.operator.data_capability == true
}

# zhejiang.operator.no_recent_incident (forbid, 三(二)4): 近3年.
deny contains "zhejiang.operator.no_recent_incident" if {
	zhejiang_in_force
	recent_incident
}

# zhejiang.scenario.value_and_safeguards (requirement, 三(三)1).
deny contains "zhejiang.scenario.value_and_safeguards" if {
	zhejiang_in_force
	not value_and_safeguards
}

value_and_safeguards if {
	input.scenario.major_value == true
	input.scenario.security_measures == true
}

# zhejiang.scenario.feasibility (requirement, 三(三)2).
deny contains "zhejiang.scenario.feasibility" if {
	zhejiang_in_force
	not feasibility
}

feasibility if {
	input.scenario.feasible == true
	input.scenario.plan_within_term == true
}

# zhejiang.scenario.minimum_necessary (requirement, 三(三)3).
deny contains "zhejiang.scenario.minimum_necessary" if {
	zhejiang_in_force
	not minimum_necessary
}

minimum_necessary if {
	input.data.in_scenario == true
	input.data.minimum_necessary == true
}

# zhejiang.scenario.notice_conditions (requirement, 三(四); 四(一)).
deny contains "zhejiang.scenario.notice_conditions" if {
	zhejiang_in_force
	not input.scenario.notice_conditions == true
}

# zhejiang.apply.within_call_window (requirement, 四(一)): 在規定時間內.
deny contains "zhejiang.apply.within_call_window" if {
	zhejiang_in_force
	not call_open
}

# zhejiang.apply.materials (requirement, 四(一)): the five materials, and
# audit and financial reports of the latest year.
deny contains "zhejiang.apply.materials" if {
	zhejiang_in_force
	not materials_complete
}

required_materials := {
	"application_form",
	"audit_report",
	"financial_report",
	"security_commitment",
	"risk_self_assessment",
}

materials_complete if {
	given := {m | some m in input.materials}
	count(required_materials - given) == 0
	fresh("audit_report")
	fresh("financial_report")
}

# zhejiang.grant.publish_and_file is an obligation (attaches on allow): it
# never denies, so it is not encoded here.

# ---------------------------------------------------------------------------
# Hangzhou rules (杭州市公共数据授权运营实施方案(试行))
# ---------------------------------------------------------------------------

# hangzhou.scenario.one_scenario_one_list (requirement, III(4)3(3)).
deny contains "hangzhou.scenario.one_scenario_one_list" if {
	hangzhou_in_force
	not one_scenario_one_list
}

one_scenario_one_list if {
	input.scenario.count == 1
	input.scenario.data_list == true
}

# hangzhou.scenario.network_security_review (requirement, III(4)3(3)).
deny contains "hangzhou.scenario.network_security_review" if {
	hangzhou_in_force
	not input.scenario.security_review_passed == true
}

# hangzhou.security.emergency_plan_at_review (forbid, III(4)3(3); V(4)):
# fires without an emergency plan (or when the request does not say).
deny contains "hangzhou.security.emergency_plan_at_review" if {
	hangzhou_in_force
	not input.scenario.emergency_plan == true
}

# ---------------------------------------------------------------------------
# Decision
# ---------------------------------------------------------------------------

default decision := "allow"

decision := "deny" if count(deny) > 0
