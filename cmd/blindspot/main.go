package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	app := &App{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Signals: sig}
	os.Exit(app.Main(os.Args[1:]))
}
