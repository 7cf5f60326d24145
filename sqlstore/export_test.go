package sqlstore

// SetAfterPeopleLookup sets a function an import runs after looking up
// each batch's people, and returns a function that unsets it.
func SetAfterPeopleLookup(f func()) (reset func()) {
	afterPeopleLookup = f
	return func() { afterPeopleLookup = nil }
}
