module skyscale.dev/agent

go 1.25
