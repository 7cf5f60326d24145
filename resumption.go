package healthcode

// ResumptionService lists a community's returnees and runs employers'
// applications to resume work (issue 7).
type ResumptionService interface{}

// ResumptionStore keeps applications to resume work and the threshold.
type ResumptionStore interface{}
