# bash completion for hvdb(1). Installed as
# PREFIX/share/bash-completion/completions/hvdb; to try it from a source
# tree: source completion/hvdb.bash
#
# Commands and options are read from `hvdb --help` and `hvdb CMD --help`
# of the hvdb being completed, so they never drift from the program.

_hvdb_commands()
{
	"$1" --help 2>/dev/null | sed -n 's/^  hvdb \([a-z][a-z-]*\).*/\1/p'
}

_hvdb_options()
{
	"$1" "$2" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

_hvdb()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog=${COMP_WORDS[0]} cmd=${COMP_WORDS[1]}

	COMPREPLY=()
	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W "$(_hvdb_commands "$prog") --help --version" \
			-- "$cur"))
		return
	fi
	# Values of options that take one.
	case $prev in
	--size)
		COMPREPLY=($(compgen -W "any byte word dword qword" -- "$cur"))
		return
		;;
	--script)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--offload-policy)
		COMPREPLY=($(compgen -W "all none adaptive" -- "$cur"))
		return
		;;
	--notify)
		COMPREPLY=($(compgen -W "suppress always" -- "$cur"))
		return
		;;
	--sections)
		COMPREPLY=($(compgen -W "memory match threads churn kvm scale notify" -- "$cur"))
		return
		;;
	--gpa | --value | --vcpus | --queues | --writes | --offload-limit)
		return # a number
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_hvdb_options "$prog" "$cmd") --help" \
			-- "$cur"))
	elif [[ $cmd == replay ]]; then
		# FILE or - (standard input); scenarios are *.scn.
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -X '!*.scn' -- "$cur") \
			$(compgen -d -- "$cur"))
		[[ -z $cur ]] && COMPREPLY+=(-)
	fi
}

complete -F _hvdb hvdb
