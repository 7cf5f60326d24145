package node

import "time"

// SetWebhookBackoff shortens the wait between posts of a report, for the
// tests; it returns the function that puts it back.
func SetWebhookBackoff(d time.Duration) (reset func()) {
	old := webhookBackoff
	webhookBackoff = d
	return func() { webhookBackoff = old }
}

// NextReportAt exposes nextAt.
var NextReportAt = nextAt
