// Package status is the status engine: a pure function from a person's
// facts, a region's policy and the current time to a status (colour,
// action_required, reasons, since, re-evaluation time).
//
//	s := status.Evaluate(facts, policy, now)
//
// The engine reads no clock and does no I/O, so a status can be recomputed
// and audited at any time. Policy is data (see Policy and docs/policy.md):
// a region changes numbers and colours by editing a file, not the code.
//
// # Facts and reasons
//
// Each fact gives one reason code; the policy's "colours" table says which
// colour the code gives ("green" there means the fact is ignored). Default
// colours are DESIGN §2's:
//
//	case_confirmed, case_suspected, case_asymptomatic  Case of that kind         red
//	close_contact                                      Contact "close"           red
//	quarantine_centralised                             Quarantine "centralised"  red
//	positive_test                                      positive single Test      red
//	pooled_positive        positive pooled Test (混检阳性): the tube, not yet
//	                       the person                                        yellow
//	remote_red                                         RemoteStatus red          red
//	secondary_contact, companion                       Contact of that kind      yellow
//	quarantine_home, home_monitoring                   Quarantine of that kind   yellow
//	declared_fever         Temperature ≥ fever_celsius, or the symptom "fever"    yellow
//	declared_respiratory   any of respiratory_symptoms (default: dry_cough,
//	                       sputum, sore_throat, short_breath, chest_tightness,
//	                       taste_smell_loss)                                      yellow
//	declared_case_contact  CaseContact "yes" ("unsure" does not count)            yellow
//	high_risk_area         a declared Stay or a Travel record overlapping a risk
//	                       area of a counted level within the look-back window    yellow
//	remote_yellow                                      RemoteStatus yellow       yellow
//
// Three action reasons set action_required without changing the colour:
// drug_purchase (a DrugPurchase of a class in action.drug_classes) and
// fever_medicine (a declaration of fever medicine, when action.fever_medicine
// is true) each hold until a negative test sampled after it; fever_at_check
// (a HealthCheck, a school's morning or noon check or a person's own daily
// check-in, with a temperature ≥ fever_celsius or the symptom "fever",
// unless action.fever_at_check is false) holds until the first test sampled
// after it comes back, of any result (a negative only if it counts for
// turning back), and at most healthcode.HealthCheckWindow.
//
// Tests: PCR and antigen tests both count as the latest test and a positive
// of either is positive_test; only PCR negatives turn facts back (periods,
// positive tests, action reasons, pooled positives) unless the policy sets
// antigen_counts_for_turning_back. A pooled negative counts like a single
// one; a pooled positive is never shown as the person's latest test.
//
// Cases: a dismissed case never counted; a recovered one stops at ClosedAt.
//
// # Accepted appeals
//
// Facts.Override, the corrected status of an accepted appeal, replaces the
// outcome while it holds: from its From until its Until (zero: no end), and
// only while no record of the person was stored after From (RecordedAt; a
// drug purchase's or remote status's own time, which have none). Then the
// colour is the override's, the only reason is appeal_accepted with the
// staff's reason as its Detail, action_required is false and Since is From;
// ReevaluateAt includes Until. Otherwise the override is ignored.
//
// # When a fact stops counting
//
// A fact counts from its start (DiagnosedAt, ExposedAt, From, SampledAt, At;
// a declaration's CreatedAt for declared facts) until:
//
//   - cases, contacts and declared facts: now ≥ start + period of the fact's
//     colour AND the period's negative tests exist: n negative tests sampled
//     after start and at or before now, each at least test_interval after the
//     one before. A case's ClosedAt or a contact's ClearedAt ends it earlier.
//     The fact stops at the later of the period's end and the last test.
//   - quarantines: at the order's Until, whatever the tests (zero: open).
//   - positive tests: at the first negative test sampled after it.
//   - pooled positives: at the first later single (non-pooled) test that
//     came back, a negative that counts for turning back or a positive
//     (which then counts as positive_test).
//   - high_risk_area: lookback after the overlap of stay and risk area ends
//     (a stay with zero To, or an area with zero Until, is open).
//     Six-digit area codes cover their sub-divisions: "330100" covers "330106".
//   - remote statuses: at Until, or when the same region reports a newer
//     status, whichever comes first.
//
// A fact that starts after now does not count yet. Tests sampled after now
// are ignored. Every declaration passed in Facts is judged, not only the
// latest: a newer declaration without fever does not undo an older one
// before its period is over.
//
// # The status
//
// Colour is the worst colour among counting reasons. Reasons lists one entry
// per counting code (the earliest start among its facts as Since), worst
// colour first, then in catalog order (Codes). Since is, for yellow and red,
// the earliest Since among reasons of that colour; for green, the latest
// instant at which a yellow or red fact stopped counting (zero if none ever
// did): "green since".
//
// ReevaluateAt is the earliest instant after now at which the status could
// change by time alone: a period ending when its tests are already in (while
// tests are missing only a new test, a fact change, can end it), a case or
// contact closing, a quarantine's From or Until, a stay sliding out of the
// look-back window, a remote status's Until, a future fact starting, or the
// latest test growing older than test_validity. Zero if none.
//
// LatestTest is the newest test sampled at or before now (positive wins a
// tie); Doses counts distinct dose numbers given at or before now; Declared
// tells whether any declaration was made at or before now.
package status
