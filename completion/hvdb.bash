# bash completion for hvdb(1)
complete -W "decode encode replay run bench --help --version" hvdb
