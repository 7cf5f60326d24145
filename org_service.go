package healthcode

// OrgService runs organisations: their rosters, invitations, what their
// managers see and the daily compliance report (issue 7).
type OrgService interface{}

// OrgStore keeps organisations, their members and invitations.
type OrgStore interface{}
