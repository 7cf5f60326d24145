package http

import (
	"time"

	"github.com/healthcode/healthcode"
)

// statusResponse is a status as the API shows it.
type statusResponse struct {
	Colour         healthcode.Colour `json:"colour"`
	ActionRequired bool              `json:"action_required"`
	Reasons        []reasonResponse  `json:"reasons"`
	Since          time.Time         `json:"since"`
	ReevaluateAt   time.Time         `json:"reevaluate_at,omitzero"`
	LatestTest     *testResponse     `json:"latest_test,omitempty"`
	Doses          int               `json:"doses"`
	PolicyVersion  string            `json:"policy_version"`
	EvaluatedAt    time.Time         `json:"evaluated_at,omitzero"`
	// Declared is false until the first declaration; no code before it.
	Declared bool `json:"declared"`
}

type reasonResponse struct {
	Code           string            `json:"code"`
	Colour         healthcode.Colour `json:"colour"`
	ActionRequired bool              `json:"action_required"`
	TextZH         string            `json:"text_zh"`
	TextEN         string            `json:"text_en"`
	// Detail is what a person's own case adds, e.g. the staff's reason
	// for an accepted appeal.
	Detail string    `json:"detail,omitempty"`
	Since  time.Time `json:"since"`
}

type testResponse struct {
	SampledAt time.Time `json:"sampled_at"`
	Result    string    `json:"result"` // "negative" or "positive"
}

func newStatusResponse(st *healthcode.Status) statusResponse {
	resp := statusResponse{
		Colour:         st.Colour,
		ActionRequired: st.ActionRequired,
		Reasons:        make([]reasonResponse, 0, len(st.Reasons)),
		Since:          st.Since,
		ReevaluateAt:   st.ReevaluateAt,
		Doses:          st.Doses,
		PolicyVersion:  st.PolicyVersion,
		EvaluatedAt:    st.EvaluatedAt,
		Declared:       st.Declared,
	}
	for _, r := range st.Reasons {
		resp.Reasons = append(resp.Reasons, reasonResponse{
			Code: r.Code, Colour: r.Colour, ActionRequired: r.Action,
			TextZH: r.TextZH, TextEN: r.TextEN, Detail: r.Detail, Since: r.Since,
		})
	}
	if t := st.LatestTest; t != nil {
		result := "negative"
		if t.Result == healthcode.Positive {
			result = "positive"
		}
		resp.LatestTest = &testResponse{SampledAt: t.SampledAt, Result: result}
	}
	return resp
}
