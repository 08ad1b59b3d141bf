# fish completion for @PROG@
# @PROG@ completion fish | source

function __@PROG_ID@_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    for line in ($words "$cur" --generate-shell-completion 2>/dev/null)
        set -l parts (string split -m 1 -- : $line)
        printf '%s\t%s\n' $parts[1] "$parts[2]"
    end
end

complete -c @PROG@ -e
complete -c @PROG@ -f -a '(__@PROG_ID@_complete)'
