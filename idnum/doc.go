// Package idnum validates, normalises and masks identity data: the resident
// identity number (GB 11643), the other document types of GB/T 38962,
// mainland mobile phone numbers and division codes (GB/T 2260).
//
// Everything here is pure. Validation errors are EINVALID
// *healthcode.Error values whose message is the reason only ("check
// character does not match"), for the caller to put under its field name.
package idnum
