package nobuild
