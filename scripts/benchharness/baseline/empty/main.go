// Command empty is the floor of any Go program: it starts and exits. It
// is built like the helper (static, CGO_ENABLED=0) by scripts/bench.sh.
package main

func main() {}
