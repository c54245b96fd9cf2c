// Command policytracker is the whole application: the web server and the
// command-line tools, in one binary.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
