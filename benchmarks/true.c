// true: the smallest static program (startup cost benchmark). Exits 0.
int main(void) { return 0; }
