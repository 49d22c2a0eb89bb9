package demo

// LoadAt loads the demo as if it were now, for tests of its dates.
var LoadAt = load
