package node

// SameStatus lets the tests check stored statuses with the recompute's
// own comparison.
var SameStatus = sameStatus
