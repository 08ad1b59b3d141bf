# Build and install prusa-credential-helper with its two protocol names,
# its man page and its shell completions.
#
#   make install                      # into /usr/local (needs root)
#   make install PREFIX=$HOME/.local  # into ~/.local/bin, ~/.local/share/...
#   make install DESTDIR=/tmp/pkg     # staged, for packaging
#   make uninstall                    # removes exactly what install put there
#   make man                          # regenerate docs/prusa-credential-helper.1
#
# The binary is built like scripts/install.sh builds it: static (no cgo),
# without urfave/cli's text/template help renderer (-tags
# urfave_cli_no_template; the help it prints is the same, checked by a
# test). The man page is generated from the same command definitions by
# scripts/genman, and is committed.

PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man/man1
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
GO          ?= go

BIN   := prusa-credential-helper
LINKS := git-credential-prusa docker-credential-prusa
MAN   := docs/$(BIN).1

.PHONY: all build man install uninstall test clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=auto -tags urfave_cli_no_template -ldflags='-s -w' -o $(BIN) ./cmd/$(BIN)

# The man page is committed; a test fails when it is out of date.
man:
	$(GO) run ./scripts/genman -o $(MAN)

install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/$(BIN)
	for l in $(LINKS); do ln -sf $(BIN) $(DESTDIR)$(BINDIR)/$$l; done
	install -m 0644 $(MAN) $(DESTDIR)$(MANDIR)/$(BIN).1
	./$(BIN) completion bash > $(DESTDIR)$(BASHCOMPDIR)/$(BIN)
	./$(BIN) completion zsh > $(DESTDIR)$(ZSHCOMPDIR)/_$(BIN)
	./$(BIN) completion fish > $(DESTDIR)$(FISHCOMPDIR)/$(BIN).fish
	@case ":$$PATH:" in *":$(BINDIR):"*) ;; *) echo "note: $(BINDIR) is not on your PATH; add it so git and docker find the helper" >&2 ;; esac
	@echo "installed; run '$(BIN) configure git', '$(BIN) configure docker', then '$(BIN) doctor'" >&2

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/$(BIN) $(addprefix $(DESTDIR)$(BINDIR)/,$(LINKS))
	rm -f $(DESTDIR)$(MANDIR)/$(BIN).1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/$(BIN) $(DESTDIR)$(ZSHCOMPDIR)/_$(BIN) $(DESTDIR)$(FISHCOMPDIR)/$(BIN).fish

test:
	$(GO) test ./...

clean:
	rm -f $(BIN)
