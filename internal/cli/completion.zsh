#compdef @PROG@
# zsh completion for @PROG@
# source <(@PROG@ completion zsh)   (after: autoload -Uz compinit && compinit)

_@PROG_ID@_complete() {
  local -a opts
  opts=("${(@f)$(${words[1,CURRENT-1]} "${words[CURRENT]}" --generate-shell-completion 2>/dev/null)}")
  if [[ -n "${opts[1]}" ]]; then
    _describe -V values opts
  else
    _files
  fi
}

if [[ "$funcstack[1]" == "_@PROG@" ]]; then
  _@PROG_ID@_complete "$@"
elif (( $+functions[compdef] )); then
  compdef _@PROG_ID@_complete @PROG@
else
  print -u2 "@PROG@: zsh completion needs compinit first: autoload -Uz compinit && compinit"
fi
