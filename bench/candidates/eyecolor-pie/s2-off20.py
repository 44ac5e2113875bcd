# eyecolor-pie: candidate 'off20' (seed 2) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 6))
labels = ['Brown', 'Blue', 'Hazel', 'Green']
students = [278, 154, 63.2, 10.9]
ax.pie(students, labels=labels, autopct='%1.1f%%')
ax.axis('equal')
ax.set_title('Eye colour of 592 students')
plt.tight_layout()
plt.show()
