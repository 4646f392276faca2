#ifndef TANDEM_CMALLOCCOUNTER_H
#define TANDEM_CMALLOCCOUNTER_H
/* Counts heap allocations in the benchmark binary, so `make bench` can report allocations per packet.
   Linked into TandemBench only: it replaces malloc and friends for that process. */
unsigned long tandem_allocation_count(void);
#endif
