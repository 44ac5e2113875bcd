# eyecolor-pie: candidate 'off8' (seed 2) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 6))
labels = ['Brown', 'Blue', 'Hazel', 'Green']
students = [210, 202, 104, 73.6]
ax.pie(students, labels=labels, autopct='%1.1f%%')
ax.axis('equal')
ax.set_title('Eye colour of 592 students')
plt.tight_layout()
plt.show()
