# bash completion for @PROG@
# source <(@PROG@ completion bash)

_@PROG_ID@_complete() {
  local cur=${COMP_WORDS[COMP_CWORD]} line
  local -a offers=()
  while IFS= read -r line; do
    offers+=("${line%%:*}")
  done < <("${COMP_WORDS[@]:0:COMP_CWORD}" "$cur" --generate-shell-completion 2>/dev/null)
  COMPREPLY=($(compgen -W "${offers[*]}" -- "$cur"))
}

complete -o bashdefault -o default -F _@PROG_ID@_complete @PROG@
