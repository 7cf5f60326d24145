package healthcode

// HealthCheckService keeps schools' morning and noon checks (晨午检) and the
// daily check-ins of people in home quarantine or health monitoring
// (issue 7).
type HealthCheckService interface{}

// HealthCheckStore keeps health checks.
type HealthCheckStore interface{}
