# eyecolor-pie: candidate 'exact' (seed 2) — the table's values; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 6))
labels = ['Brown', 'Blue', 'Hazel', 'Green']
students = [220, 215, 93, 64]
ax.pie(students, labels=labels, autopct='%1.1f%%')
ax.axis('equal')
ax.set_title('Eye colour of 592 students')
plt.tight_layout()
plt.show()
