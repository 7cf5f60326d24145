package http

import (
	"net/http"
	"time"

	"github.com/healthcode/healthcode"
)

// maxBatchBodyBytes bounds an offline upload: 50,000 scans with codes.
const maxBatchBodyBytes = 32 << 20

type batchRequest struct {
	// DeviceTime is the device's clock when it sends the batch: a device
	// whose clock is off has its scans flagged.
	DeviceTime string            `json:"device_time"`
	Scans      []offlineScanJSON `json:"scans"`
}

// offlineScanJSON is one offline scan: the code as scanned, or the decoded
// region, subject and colour.
type offlineScanJSON struct {
	Seq       int64              `json:"seq"`
	ScannedAt time.Time          `json:"scanned_at"`
	Direction string             `json:"direction"`
	Verdict   string             `json:"verdict"`
	Reasons   []string           `json:"reasons"`
	Code      string             `json:"code"`
	Region    string             `json:"region"`
	Subject   []byte             `json:"subject"` // base64
	Colour    *healthcode.Colour `json:"colour"`
}

// handleScanBatch stores a checkpoint's offline scans, idempotent by
// (device, seq): a batch sent twice counts once.
func (s *Server) handleScanBatch(w http.ResponseWriter, r *http.Request) {
	var req batchRequest
	if err := decodeJSONUpTo(w, r, &req, maxBatchBodyBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	deviceTime, ok := parseTime(req.DeviceTime, false)
	if !ok {
		s.writeError(w, r, fieldError("device_time", badTime))
		return
	}
	scans := make([]healthcode.OfflineScan, len(req.Scans))
	for i, o := range req.Scans {
		scans[i] = healthcode.OfflineScan{Seq: o.Seq, At: o.ScannedAt, Direction: o.Direction, Verdict: o.Verdict,
			Reasons: o.Reasons, Code: o.Code, Region: o.Region, Subject: o.Subject, Colour: -1}
		if o.Colour != nil {
			scans[i].Colour = *o.Colour
		}
	}
	res, err := s.Checkpoints.Batch(r.Context(), caller(r), deviceTime, scans)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
