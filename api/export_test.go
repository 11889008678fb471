package api

// ParseOperations exposes the layout parser to the tests, so that they can
// feed it documents other than the embedded one.
var ParseOperations = parseOperations
